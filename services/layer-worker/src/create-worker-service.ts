import { hostname } from 'node:os';
import { initBackend } from '@pff/backend';
import type { WorkerConfig } from '@pff/config';
import { createHealthServer } from '@pff/service-kit';
import { createMetricsRegistry, StageMetrics, withTransportMetrics } from '@pff/telemetry';
import { connectBroker } from '@pff/transport';
import { createLayerWorker } from './layer-worker.js';

export interface Service {
  /** Connects, starts listening for runs and serving probes; resolves with the HTTP port. */
  start(signal?: AbortSignal): Promise<number>;
  /** Stop taking batches, finish the one in hand, close the broker connection, stop serving. Idempotent. */
  close(): Promise<void>;
}

/** The layer-worker role against RabbitMQ, as a Kubernetes container runs it. */
export function createWorkerService(config: WorkerConfig, log: (line: string) => void): Service {
  const replica = config.replica || `${hostname()}-${process.pid}`;
  let closing: Promise<void> | null = null;
  let parts: { close(): Promise<void> } | null = null;
  return {
    async start(signal) {
      const backend = await initBackend(config.backend);
      log(`stage ${config.stage}, replica ${replica}, backend ${backend.name}`);
      const registry = createMetricsRegistry('worker');
      const broker = await connectBroker({ url: config.brokerUrl, log, maxMessageBytes: config.maxMessageBytes, persistent: config.persistentMessages, waitMs: config.brokerWaitMs, ...(signal ? { signal } : {}) });
      const transport = withTransportMetrics(broker, registry);
      const metrics = new StageMetrics(registry);
      const worker = createLayerWorker({ transport, stage: config.stage, replica, prefetch: Math.max(1, config.prefetch), log, metrics });
      const health = createHealthServer({
        metrics: registry,
        ready: () => transport.state === 'connected',
        describe: () => ({ role: 'layer-worker', stage: config.stage, replica, broker: transport.state, runs: [...worker.runs().keys()] }),
      });
      parts = {
        async close() {
          // Each step runs even if one before it failed; probes answer until the end.
          await worker.close().catch((e: unknown) => log(`worker close: ${String(e)}`));
          await transport.close().catch((e: unknown) => log(`transport close: ${String(e)}`));
          await health.close();
        },
      };
      await worker.start();
      await health.listen({ port: config.port, host: '0.0.0.0' });
      const address = health.server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
    close() {
      closing ??= parts?.close() ?? Promise.resolve();
      return closing;
    },
  };
}
