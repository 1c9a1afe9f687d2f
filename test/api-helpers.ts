import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApiApp, createSchedulerClient, withReadCache } from '@pff/api';
import type { RunLimits } from '@pff/config';
import { autoscaleWorkers, startLocalCluster, type LocalCluster } from '@pff/local-cluster';
import { createSchedulerService, type SchedulerService } from '@pff/scheduler';
import { createMetricsRegistry, withTransportMetrics } from '@pff/telemetry';
import type { Transport } from '@pff/transport';

export const API_TOKEN = 'route-test-token-0123456789';
export const AUTH = { authorization: `Bearer ${API_TOKEN}` };

export const DEFAULT_LIMITS: RunLimits = { maxLayers: 8, maxLayerWidth: 2048, maxEpochs: 100, maxBatch: 1024, maxWorkers: 16, maxStages: 3, maxStageReplicas: 4, datasets: ['mnist'] };

export type ApiApp = Awaited<ReturnType<typeof buildApiApp>>;

export interface ApiFixture {
  readonly app: ApiApp;
  readonly scheduler: SchedulerService;
  readonly cluster: LocalCluster;
  close(): Promise<void>;
}

export interface ApiReplica {
  readonly app: ApiApp;
  close(): Promise<void>;
}

/**
 * One API instance (for inject) on `transport`, as `pff api` builds it: its own
 * scheduler client, sharing identical reads within 500 ms. Several of them on one
 * broker are the API's replicas.
 */
export async function startApiReplica(transport: Transport, options: { timeoutMs?: number } = {}): Promise<ApiReplica> {
  const log = (): void => undefined;
  const metrics = createMetricsRegistry('api', { processMetrics: false });
  const client = withReadCache(await createSchedulerClient({ transport: withTransportMetrics(transport, metrics), timeoutMs: options.timeoutMs ?? 10_000, log }), 500);
  const app = await buildApiApp({ scheduler: client, limits: DEFAULT_LIMITS, apiToken: API_TOKEN, metrics, log });
  return {
    app,
    async close() {
      await app.close();
      await client.close();
    },
  };
}

/**
 * The API app (for inject) over a real scheduler and real worker threads on the
 * embedded broker, as `pff serve` wires them; the scheduler starts only when asked.
 */
export async function startApiFixture(options: { maxRuns?: number; maxQueuedRuns?: number; timeoutMs?: number; startScheduler?: boolean } = {}): Promise<ApiFixture> {
  const log = (): void => undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'pff-api-'));
  const cluster = await startLocalCluster({ backend: 'wasm', log });
  const autoscaler = await autoscaleWorkers(cluster, log);
  const scheduler = createSchedulerService({
    config: {
      brokerUrl: '', brokerUsername: '', brokerPassword: '', brokerWaitMs: 0, persistentMessages: true, maxMessageBytes: 4 * 1024 * 1024, port: 0, backend: 'wasm', dataDir: '', runDir,
      maxRuns: options.maxRuns ?? 2, maxQueuedRuns: options.maxQueuedRuns ?? 0, commitEvery: 8,
    },
    transport: cluster.transport,
    log,
  });
  if (options.startScheduler ?? true) await scheduler.start();
  const api = await startApiReplica(cluster.transport, options);
  return {
    app: api.app,
    scheduler,
    cluster,
    async close() {
      await api.close();
      await autoscaler.stop();
      await scheduler.close();
      await cluster.close();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** Polls GET /runs/:id until `done` holds for the run (or the time is up). */
export async function waitForRun(fixture: ApiFixture, id: string, done: (run: { status: string }) => boolean, timeoutMs = 180_000): Promise<Record<string, unknown> & { status: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const response = await fixture.app.inject({ method: 'GET', url: `/runs/${id}`, headers: AUTH });
    const run = response.json<Record<string, unknown> & { status: string }>();
    if (response.statusCode === 200 && done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${id} did not get there in time: ${response.body.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** An error answer in the API's one error shape: `{statusCode, error, message}`, statusCode the HTTP status. */
export function assertErrorShape(response: { statusCode: number; body: string }, what: string): void {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    assert.fail(`${what}: a ${response.statusCode} whose body is not JSON: ${response.body.slice(0, 200)}`);
  }
  const { statusCode, error, message, ...rest } = body as Record<string, unknown>;
  assert.equal(statusCode, response.statusCode, `${what}: statusCode is the HTTP status (${response.body.slice(0, 200)})`);
  assert.ok(typeof error === 'string' && error.length > 0, `${what}: error names the status`);
  assert.ok(typeof message === 'string' && message.length > 0, `${what}: message says what went wrong`);
  assert.deepEqual(Object.keys(rest), [], `${what}: nothing else in an error`);
}
