import { initBackend } from '@pff/backend';
import type { ApiConfig } from '@pff/config';
import { createMetricsRegistry, withTransportMetrics, type MetricsSnapshot } from '@pff/telemetry';
import { connectBroker, type Transport } from '@pff/transport';
import type { ApiApp } from './app-types.js';
import { buildApiApp } from './build-app.js';
import { withReadCache } from './caching-scheduler.js';
import { createSchedulerClient, type SchedulerClient } from './scheduler-client.js';

export interface ApiServiceDeps {
  readonly config: Readonly<ApiConfig>;
  readonly log: (line: string) => void;
  /** Default: RabbitMQ at config.brokerUrl (a given transport is not closed by close()). */
  readonly transport?: Transport;
  /** Listen on this host (default all interfaces, as a container must). */
  readonly host?: string;
  /** Other roles' metrics served at this API's /metrics too (`pff serve`: the scheduler's and every worker thread's). */
  readonly moreMetrics?: () => Promise<MetricsSnapshot[]>;
}

export interface ApiService {
  /** Connects, serves the API; resolves with the port. */
  start(signal?: AbortSignal): Promise<number>;
  /** Stops taking requests, answers those in progress, disconnects. Idempotent. */
  close(): Promise<void>;
}

/** The API role (`pff api`): stateless, it reaches the scheduler only through the broker. */
export function createApiService(deps: ApiServiceDeps): ApiService {
  const { config, log } = deps;
  let parts: { app: ApiApp; scheduler: SchedulerClient; broker: Transport } | null = null;
  let closing: Promise<void> | null = null;
  return {
    async start(signal) {
      const backend = await initBackend(config.backend);
      const registry = createMetricsRegistry('api');
      const broker = deps.transport ?? (await connectBroker({ url: config.brokerUrl, log, maxMessageBytes: config.maxMessageBytes, persistent: config.persistentMessages, waitMs: config.brokerWaitMs, ...(signal ? { signal } : {}) }));
      const transport = withTransportMetrics(broker, registry);
      const scheduler = withReadCache(await createSchedulerClient({ transport, timeoutMs: config.requestTimeoutMs, log }), config.readCacheMs);
      const app = await buildApiApp({
        scheduler, limits: config, rateLimit: config, apiToken: config.apiToken, metrics: registry, log, defaultWorkers: config.defaultWorkers,
        ...(deps.moreMetrics ? { moreMetrics: deps.moreMetrics } : {}),
      });
      parts = { app, scheduler, broker };
      await app.listen({ port: config.port, host: deps.host ?? '0.0.0.0' });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      log(`api: backend ${backend.name}, listening on :${port} (OpenAPI UI at /docs)`);
      return port;
    },
    close() {
      closing ??= (async () => {
        if (!parts) return;
        // Each step runs even if the one before failed.
        await parts.app.close().catch((e: unknown) => log(`api close: ${String(e)}`));
        await parts.scheduler.close().catch((e: unknown) => log(`scheduler client close: ${String(e)}`));
        if (!deps.transport) await parts.broker.close().catch((e: unknown) => log(`transport close: ${String(e)}`));
      })();
      return closing;
    },
  };
}
