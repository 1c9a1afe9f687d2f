import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '@pff/config';
import type { RunResource, RunSpecInput } from '@pff/contracts';
import { startLocalStack, type LocalStack } from '@pff/local-cluster';
import { benchApiClient, type BenchApiClient } from './api-client.js';
import { measureRoute, type ApiRow } from './api-latency.js';
import { apiTable, API_TARGET_P99_MS } from './api-table.js';
import { redactUrl } from './redact-url.js';

export interface ApiBenchOptions {
  /** Load per route, in seconds. */
  readonly seconds: number;
  /** Concurrent keep-alive clients per route. */
  readonly connections: number;
  /** RabbitMQ URL; '' = the embedded broker. */
  readonly brokerUrl: string;
  readonly backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** The training run: first N MNIST samples per epoch, epochs (it is stopped once measured), evaluation cadence. */
  readonly trainLimit: number;
  readonly epochs: number;
  readonly evalEvery: number;
  /** The API's read cache (PFF_API_READ_CACHE_MS; 0 = every read goes to the scheduler). */
  readonly readCacheMs: number;
}

export const DEFAULT_API_BENCH: ApiBenchOptions = {
  seconds: 10,
  connections: 50,
  brokerUrl: '',
  backend: 'auto',
  trainLimit: 20_000,
  epochs: 100,
  evalEvery: 1,
  readCacheMs: 500,
};

/** The GET routes under load; `:id` is the training run. */
export const API_ROUTES = ['/runs/:id', '/runs?limit=20', '/runs/:id/metrics/loss/history', '/healthz'] as const;

export interface ApiSuiteOutput {
  readonly body: Record<string, unknown>;
  readonly table: string;
  readonly pass: boolean;
}

const TOKEN = 'bench-token-0123456789';

/**
 * The api suite: the whole stack in this process (API, scheduler, broker, worker
 * threads). A short run trains and finishes first, so the idle baseline of GET /runs/:id
 * has a run to read and finds the dataset loaded and the workers started; then a long
 * run trains while every GET route takes the load in turn, and is stopped.
 */
export async function measureApi(options: ApiBenchOptions & { dataDir: string }, log: (line: string) => void): Promise<ApiSuiteOutput> {
  const runDir = mkdtempSync(join(tmpdir(), 'pff-bench-api-'));
  const spec = (epochs: number, evalEvery: number): Partial<RunSpecInput> => ({
    dataset: 'mnist', layers: [500, 500], epochs, trainLimit: options.trainLimit, variant: 'single-layer', workers: 2, evalEvery, seed: 1,
  });
  const loadAverageBefore = loadavg()[0] ?? 0;
  let stack: LocalStack | null = null;
  let api: BenchApiClient | null = null;
  let training: string | null = null;
  try {
    const config = loadServeConfig({
      PFF_API_TOKEN: TOKEN, PFF_RUN_DIR: runDir, PFF_PORT: '0', PFF_BACKEND: options.backend, PFF_API_READ_CACHE_MS: String(options.readCacheMs),
      ...(options.dataDir ? { PFF_DATA_DIR: options.dataDir } : {}),
      ...(options.brokerUrl ? { PFF_BROKER_URL: options.brokerUrl } : {}),
    });
    stack = await startLocalStack({ config, log: (line) => log(`  stack: ${line}`) });
    const baseUrl = `http://127.0.0.1:${stack.port}`;
    const token = stack.apiToken;
    const client = (api = benchApiClient(baseUrl, token));
    const measure = async (route: string, runId: string, isTraining: boolean): Promise<ApiRow> => {
      const before = await client.getRun(runId);
      const path = route.replace(':id', runId);
      const latency = await measureRoute({ baseUrl, path, connections: options.connections, seconds: options.seconds, ...(route === '/healthz' ? {} : { token }) });
      const after = await client.getRun(runId);
      const row = { ...latency, route, training: isTraining, run: runState(runId, before, after) };
      log(`  ${route}${isTraining ? ' while training' : ' idle'}: p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ${Math.round(row.requestsPerSecond)} req/s, non-2xx ${row.non2xx}`);
      return row;
    };

    log('bench api: a short run first (loads the data, starts the workers), then the idle baseline');
    await client.createRun('bench-idle', spec(1, 0));
    await client.waitForRun('bench-idle', (r) => r.status === 'FINISHED', 600_000);
    const rows: ApiRow[] = [await measure('/runs/:id', 'bench-idle', false)];

    log(`bench api: a run trains (2x500, single-layer x2, ${options.trainLimit || 60_000} samples an epoch, ${options.evalEvery > 0 ? `evaluation every ${options.evalEvery} epoch(s)` : 'no evaluation until its end'}); every GET route under ${options.connections} clients for ${options.seconds} s`);
    await client.createRun('bench-train', spec(options.epochs, options.evalEvery));
    training = 'bench-train';
    await client.waitForRun(training, (r) => r.status === 'RUNNING' && r.progress.epoch > 0, 300_000);
    for (const route of API_ROUTES) rows.push(await measure(route, training, true));

    const loaded = rows.filter((r) => r.training);
    const valid = loaded.every((r) => r.run.statusBefore === 'RUNNING' && r.run.statusAfter === 'RUNNING');
    const met = loaded.every((r) => r.requests > 0 && r.p99Ms <= API_TARGET_P99_MS && r.non2xx === 0 && r.errors === 0 && r.timeouts === 0);
    const { table, ratios } = apiTable(rows, valid);
    const body = {
      target: `p99 <= ${API_TARGET_P99_MS} ms on every GET route, ${options.connections} concurrent clients, while a run trains (and no non-2xx, errors or timeouts)`,
      options: { ...options, brokerUrl: options.brokerUrl ? redactUrl(options.brokerUrl) : 'embedded' },
      trainingSpec: spec(options.epochs, options.evalEvery),
      valid,
      // Other work on the machine shows in every row; the pipeline suite records the same.
      loadAverage: { before: loadAverageBefore, after: loadavg()[0] ?? 0 },
      ratios,
      rows,
    };
    return { body, table, pass: valid && met };
  } finally {
    if (training && api) await api.stopRun(training).catch((e: unknown) => log(`  could not stop ${training}: ${String(e)}`));
    await stack?.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

function runState(id: string, before: RunResource, after: RunResource): ApiRow['run'] {
  return { id, statusBefore: before.status, statusAfter: after.status, epochBefore: before.progress.epoch, epochAfter: after.progress.epoch };
}
