import { randomBytes } from 'node:crypto';
import { createApiService } from '@pff/api';
import type { ServeConfig } from '@pff/config';
import { createSchedulerService } from '@pff/scheduler';
import type { MetricsSnapshot } from '@pff/telemetry';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { autoscaleWorkers } from './worker-autoscaler.js';

export interface LocalStack {
  /** The API's port. */
  readonly port: number;
  readonly apiToken: string;
  readonly cluster: LocalCluster;
  /** API first (no new requests), then the scheduler (running runs stay RUNNING and resume next time), then the workers. Idempotent. */
  close(): Promise<void>;
}

export interface LocalStackDeps {
  readonly config: Readonly<ServeConfig>;
  readonly log: (line: string) => void;
  /** API host (default 127.0.0.1: a laptop's stack is not for the network unless asked). */
  readonly host?: string;
}

/**
 * `pff serve`: the API, the scheduler and layer-workers (threads, added as runs need
 * them) on one machine, on the embedded broker (or RabbitMQ when brokerUrl is set).
 */
export async function startLocalStack(deps: LocalStackDeps): Promise<LocalStack> {
  const { config, log } = deps;
  const apiToken = config.apiToken || randomBytes(16).toString('hex');
  const cluster = await startLocalCluster({
    ...(config.brokerUrl ? { brokerUrl: config.brokerUrl } : {}),
    backend: config.backend, maxMessageBytes: config.maxMessageBytes, persistentMessages: config.persistentMessages, log,
  });
  const scheduler = createSchedulerService({ config: { ...config, port: 0 }, log, transport: cluster.transport, processMetrics: false });
  // One /metrics for the whole stack, on the API's port.
  const moreMetrics = async (): Promise<MetricsSnapshot[]> => [await scheduler.metrics.getMetricsAsJSON(), ...(await cluster.metrics())];
  const api = createApiService({ config: { ...config, apiToken }, log, transport: cluster.transport, host: deps.host ?? '127.0.0.1', moreMetrics });
  let autoscaler: { stop(): Promise<void> } | null = null;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await autoscaler?.stop();
      await api.close().catch((e: unknown) => log(`api close: ${String(e)}`));
      await scheduler.close().catch((e: unknown) => log(`scheduler close: ${String(e)}`));
      await cluster.close();
    })();
    return closing;
  };
  try {
    autoscaler = await autoscaleWorkers(cluster, log);
    await scheduler.start();
    const port = await api.start();
    return { port, apiToken, cluster, close };
  } catch (error) {
    await close();
    throw error;
  }
}
