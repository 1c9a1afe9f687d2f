import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RunLimits } from '@pff/config';
import type { ModelCache } from './model-cache.js';
import type { SchedulerClient } from './scheduler-client.js';

/** The Fastify instance with TypeBox types for request and reply. */
export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What the routes need: passed in, never imported as singletons. */
export interface RouteDeps {
  readonly scheduler: SchedulerClient;
  readonly limits: RunLimits;
  readonly models: ModelCache;
  /** Workers for a spec that names neither variant nor workers (withDefaultWorkers). */
  readonly defaultWorkers: number;
}
