import Fastify, { type FastifyInstance } from 'fastify';
import { scrape, type Registry } from '@pff/telemetry';

export interface HealthServerDeps {
  /** Readiness: can this process do its work now (e.g. is the broker connected)? */
  readonly ready: () => boolean;
  /** A short description of the process's state for humans, shown by both probes. */
  readonly describe?: () => Record<string, unknown>;
  /** Served at /metrics for Prometheus. */
  readonly metrics?: Registry;
}

/**
 * The probes every service answers (and its Prometheus metrics). Liveness never depends on the broker (a broker
 * outage must not get every pod restarted); readiness may.
 */
export function createHealthServer(deps: HealthServerDeps): FastifyInstance {
  // Closing drops keep-alive connections (Prometheus keeps one open): nothing here is worth waiting for.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.get('/healthz', () => ({ status: 'ok', ...deps.describe?.() }));
  app.get('/readyz', (_request, reply) => {
    const ready = deps.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...deps.describe?.() });
  });
  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await scrape(metrics);
      return reply.type(contentType).send(body);
    });
  }
  return app;
}
