import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunSpec, type RunSpecInput } from '@pff/contracts';
import { DEFAULT_PIPELINE_OPTIONS, inFlightWindow, planPipeline } from '@pff/scheduler';
import { benchApiClient } from './api-client.js';
import { redactUrl } from './redact-url.js';
import { startSoakRole, type SoakRole } from './soak-roles.js';
import { prometheusQueueCounts, queueSampleOf, rabbitmqctlQueueCounts, type QueueSample } from './soak-queues.js';
import { startSoakSampler } from './soak-sampler.js';
import { soakTable } from './soak-table.js';
import { judgeSoak, stageDepthBound, type IdlePoint } from './soak-verdict.js';
import { waitForIdle } from './soak-idle.js';

export interface SoakBenchOptions {
  /** No run starts after this many minutes; the one training then finishes. */
  readonly minutes: number;
  /** Slopes and the tensor comparison start at the first idle point after this (and after the first run at least). */
  readonly warmupMinutes: number;
  readonly sampleSeconds: number;
  readonly brokerUrl: string;
  readonly backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Where queue depths come from: RabbitMQ's per-queue metrics at queueMetricsUrl (refreshed every 5 s), or rabbitmqctl (exact; runs shorter than that need it). */
  readonly queueSource: 'prometheus' | 'rabbitmqctl';
  readonly queueMetricsUrl: string;
  /** The spec of every run, trained back to back. */
  readonly spec: Partial<RunSpecInput>;
  /** Verdict: the most a process's V8 heap may grow per minute after the warm-up. */
  readonly heapSlopeMiBPerMinute: number;
}

export const DEFAULT_SOAK_BENCH: SoakBenchOptions = {
  minutes: 10,
  warmupMinutes: 2,
  sampleSeconds: 5,
  brokerUrl: 'amqp://guest:guest@127.0.0.1:5672',
  backend: 'auto',
  queueSource: 'prometheus',
  queueMetricsUrl: 'http://127.0.0.1:15692/metrics/per-object',
  spec: { dataset: 'mnist', layers: [500, 500], epochs: 2, trainLimit: 20_000, variant: 'single-layer', workers: 2, evalEvery: 0, seed: 1 },
  heapSlopeMiBPerMinute: 1,
};

export interface SoakSuiteOutput {
  readonly body: Record<string, unknown>;
  readonly table: string;
  readonly pass: boolean;
}

const TOKEN = 'bench-soak-token-0123456789';
/** What the plan and the batch count of a run depend on, by dataset (inputs per sample, training samples). */
const DATASET_SHAPES = { mnist: { inputSize: 784, trainCount: 60_000 }, cifar10: { inputSize: 3072, trainCount: 50_000 } } as const;
/** The workers' PFF_PREFETCH and the scheduler's PFF_COMMIT_EVERY, given explicitly (the defaults) because the queue bound depends on them. */
const WORKER_PREFETCH = 2;
const COMMIT_EVERY = DEFAULT_PIPELINE_OPTIONS.commitEvery;

/**
 * The soak suite: the roles as separate processes on RabbitMQ (`pff scheduler`, a
 * `pff worker` per replica of the run's plan, `pff api`), runs of one spec trained back
 * to back through the API for the soak's duration, every process's memory and tfjs
 * tensors and the run queues' depth sampled throughout, and every process sampled again
 * at each idle point between two runs. See judgeSoak for the verdict.
 */
export async function measureSoak(options: SoakBenchOptions & { dataDir: string }, log: (line: string) => void): Promise<SoakSuiteOutput> {
  const spec = parseRunSpec(options.spec);
  const { inputSize, trainCount } = DATASET_SHAPES[spec.dataset];
  const plan = planPipeline(spec, inputSize);
  const window = inFlightWindow(plan);
  const depthBound = stageDepthBound(plan, WORKER_PREFETCH, COMMIT_EVERY);
  const prefix = `soak-${randomUUID().slice(0, 6)}`;
  const vhost = decodeURIComponent(new URL(options.brokerUrl).pathname.slice(1)) || '/';
  const runDir = mkdtempSync(join(tmpdir(), 'pff-soak-'));
  const env = {
    PFF_BROKER_URL: options.brokerUrl, PFF_BACKEND: options.backend, PFF_PORT: '0', PFF_RUN_DIR: runDir, PFF_API_TOKEN: TOKEN, PFF_MAX_RUNS: '1',
    ...(options.dataDir ? { PFF_DATA_DIR: options.dataDir } : {}),
  };
  const queues = async (): Promise<QueueSample> => queueSampleOf(
    options.queueSource === 'rabbitmqctl' ? await rabbitmqctlQueueCounts(vhost) : await prometheusQueueCounts(options.queueMetricsUrl, vhost),
    `pff.${prefix}-`,
  );
  const loadAverageBefore = loadavg()[0] ?? 0;
  const roles: SoakRole[] = [];
  const exits: Record<string, number | string> = {};
  try {
    roles.push(await startSoakRole('scheduler', ['scheduler'], { ...env, PFF_COMMIT_EVERY: String(COMMIT_EVERY) }, /scheduler ready; probes on :(\d+)/));
    for (const [stage, replicas] of plan.replicas.entries()) {
      for (let r = 0; r < replicas; r++) {
        const name = replicas > 1 ? `worker-${stage}-${r}` : `worker-${stage}`;
        roles.push(await startSoakRole(name, ['worker', '--stage', String(stage), '--replica', `${prefix}-${name}`, '--prefetch', String(WORKER_PREFETCH)], env, /ready; probes on :(\d+)/));
      }
    }
    const apiRole = await startSoakRole('api', ['api'], env, /listening on :(\d+)/);
    roles.push(apiRole);
    const api = benchApiClient(`http://127.0.0.1:${apiRole.port}`, TOKEN);
    const workers = roles.filter((r) => r.name.startsWith('worker'));
    log(`bench soak: ${roles.map((r) => r.name).join(', ')} up; runs of ${JSON.stringify(options.spec)} back to back for ${options.minutes} min, sampled every ${options.sampleSeconds} s`);
    const sampler = startSoakSampler({
      processes: roles.map((r) => ({ name: r.name, metricsUrl: `http://127.0.0.1:${r.port}/metrics` })),
      queues,
      everyMs: options.sampleSeconds * 1000,
    });
    const runs: Array<{ id: string; status: string; seconds: number; accuracy: number | null; batches: number[]; deadLettered: number | null; error?: string }> = [];
    const idle: IdlePoint[] = [];
    const deadline = performance.now() + options.minutes * 60_000;
    try {
      while (performance.now() < deadline) {
        const id = `${prefix}-${runs.length + 1}`;
        const started = performance.now();
        await api.createRun(id, options.spec);
        try {
          const done = await api.waitForRun(id, (r) => r.status === 'FINISHED', 30 * 60_000);
          runs.push({
            id, status: done.status, seconds: (performance.now() - started) / 1000, accuracy: done.metrics.accuracy ?? null,
            batches: done.pipeline?.layers.map((l) => l.batches) ?? [], deadLettered: done.pipeline?.deadLettered ?? null,
          });
        } catch (error) {
          runs.push({ id, status: 'FAILED', seconds: (performance.now() - started) / 1000, accuracy: null, batches: [], deadLettered: null, error: (error as Error).message });
          log(`  run ${id}: ${(error as Error).message}`);
          break;
        }
        await waitForIdle(workers);
        const point = await sampler.sampleNow();
        idle.push({ t: point.t, after: id, processes: point.processes });
        const last = runs.at(-1)!;
        log(`  ${id}: ${last.seconds.toFixed(1)} s, accuracy ${last.accuracy}; idle at ${point.t.toFixed(0)} s: ${Object.entries(point.processes).map(([n, p]) => `${n} ${p.tensors} tensors`).join(', ')}`);
      }
    } finally {
      await sampler.stop();
    }
    // RabbitMQ's queue metrics lag the broker by up to its statistics interval: what is left after that is left.
    if (options.queueSource === 'prometheus') await new Promise((resolve) => setTimeout(resolve, 6000));
    const leftover = await queues();
    for (const role of roles.splice(0).reverse()) exits[role.name] = await role.stop();
    const verdict = judgeSoak(sampler.samples, idle, { warmupSeconds: options.warmupMinutes * 60, heapSlopeMiBPerMinute: options.heapSlopeMiBPerMinute, window, depthBound });
    const expectedBatches = Math.ceil(Math.min(spec.trainLimit || trainCount, trainCount) / spec.batch) * spec.epochs;
    const checks = {
      ...verdict.checks,
      runsFinished: {
        pass: runs.length > 0 && runs.every((r) => r.status === 'FINISHED' && r.deadLettered === 0 && r.batches.length === spec.layers.length && r.batches.every((b) => b === expectedBatches)),
        detail: `${runs.filter((r) => r.status === 'FINISHED').length}/${runs.length} runs FINISHED, every layer ${expectedBatches} batches, nothing dead-lettered`,
      },
      queuesRemoved: { pass: leftover.queues === 0, detail: `${leftover.queues} queues of the soak's runs left after the last` },
      cleanExit: { pass: Object.values(exits).every((c) => c === 0), detail: Object.entries(exits).map(([n, c]) => `${n} ${c}`).join(', ') },
      samplesComplete: { pass: sampler.misses.size === 0, detail: `missed samples: ${JSON.stringify(Object.fromEntries(sampler.misses))}` },
    };
    const pass = Object.values(checks).every((c) => c.pass);
    const body = {
      target: `every process's tfjs tensors exactly the same at every idle point after the warm-up; V8 heap slope <= ${options.heapSlopeMiBPerMinute} MiB/min after the warm-up; no run with more batches in flight, and no stage queue with more waiting, than the scheduler's window (${window}); no stage queue deeper than ${depthBound} (the window plus what the replicas may hold until a commit); every run FINISHED with exact counts; no queue left; clean exits`,
      options: { ...options, brokerUrl: redactUrl(options.brokerUrl) },
      plan, window, depthBound, workerPrefetch: WORKER_PREFETCH, commitEvery: COMMIT_EVERY,
      loadAverage: { before: loadAverageBefore, after: loadavg()[0] ?? 0 },
      runs, checks, warmupEnd: verdict.warmupEnd, queues: verdict.queues, processes: verdict.processes, idle, samples: sampler.samples,
    };
    return { body, table: soakTable(verdict, checks, runs.length), pass };
  } finally {
    for (const role of roles) exits[role.name] = await role.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}
