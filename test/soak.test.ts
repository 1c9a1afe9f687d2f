// A short soak on the real RabbitMQ: `pff scheduler`, a `pff worker` per stage and
// `pff api` as processes, small runs back to back for a minute, sampled by the bench's
// soak suite. Between two runs every process must hold exactly the tfjs tensors it held
// after the first run (a leak stays behind its run), its heap must not creep, and the
// queues must stay within the scheduler's window.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { runBench, type IdlePoint, type ProcessTrends } from '@pff/bench';
import { runCli } from '@pff/cli';
import { createMetricsRegistry } from '@pff/telemetry';
import { memoryIo } from './helpers.js';
import { createScratchVhost } from './support/scratch-vhost.js';

const MIB = 1024 * 1024;
/**
 * How much a process's heap floor (V8 heap used just after a major GC) may rise over the
 * soak after the warm-up: measured here over 1-minute soaks, within ±5 MiB (a
 * mark-compact that runs while a batch is being handled finds its buffers alive); 8 MiB
 * is below what one leaked 3000-sample dataset (9 MiB) would add.
 */
const FLOOR_SLACK = 8 * MIB;

before(async () => {
  await initBackend('wasm');
});

it('pff_tensors and pff_tensor_bytes follow the tfjs tensors of the thread', async () => {
  const registry = createMetricsRegistry('test', { processMetrics: false });
  const read = async (name: string): Promise<number> => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
  const before = await read('pff_tensors');
  const kept = tf.tensor2d([[1, 2], [3, 4]]);
  assert.equal(await read('pff_tensors'), before + 1, 'a new tensor counts');
  assert.equal(await read('pff_tensor_bytes'), tf.memory().numBytes, 'bytes as tf.memory() says');
  kept.dispose();
  assert.equal(await read('pff_tensors'), before, 'a disposed one no longer does');
  assert.equal(registry.getSingleMetric('pff_array_buffers_bytes'), undefined, 'the process-wide gauge only with the process metrics');
  const full = createMetricsRegistry('test');
  assert.ok((await full.getSingleMetric('pff_array_buffers_bytes')!.get()).values[0]!.value > 0, 'ArrayBuffer memory with the process metrics');
});

it('pff bench knows the soak suite and refuses a soak of no time', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['bench', '--suite', 'soak', '--soak-minutes', '0'], io), 2, 'a usage error');
  assert.match(io.err(), /"0" is not a positive number/, io.err());
  assert.doesNotMatch(io.err(), /unknown suite/, 'soak is a suite');
});

interface SoakResult {
  suite: string;
  pass: boolean;
  window: number;
  depthBound: number;
  warmupEnd: number | null;
  runs: Array<{ id: string; status: string; seconds: number }>;
  checks: Record<string, { pass: boolean; detail: string }>;
  queues: { stageMax: number; stageReadyMax: number; inFlightMax: number };
  processes: Record<string, ProcessTrends>;
  idle: IdlePoint[];
}

it('a one-minute soak: tensors the same at every idle point, heap flat, queues within the window', { timeout: 300_000 }, async (t) => {
  const vhost = await createScratchVhost('pff-soak');
  const out = mkdtempSync(join(tmpdir(), 'pff-soak-test-'));
  t.after(async () => {
    await vhost.delete();
    rmSync(out, { recursive: true, force: true });
  });
  const log: string[] = [];
  const reports = await runBench({
    suites: ['soak'], outDir: out, dataDir: '', reps: 1, log: (line) => log.push(line),
    soak: {
      // rabbitmqctl: these runs last a few seconds, less than RabbitMQ's metrics take to refresh.
      // A floor slope over one minute is as coarse as its few GCs: the bound on the rise, per minute.
      minutes: 1, warmupMinutes: 0, sampleSeconds: 2, brokerUrl: vhost.url, backend: 'wasm', queueSource: 'rabbitmqctl', heapSlopeMiBPerMinute: FLOOR_SLACK / MIB,
      spec: { dataset: 'mnist', layers: [200, 200], epochs: 2, trainLimit: 3000, variant: 'single-layer', workers: 2, evalEvery: 0, seed: 3 },
    },
  });
  assert.equal(reports.length, 1, log.join('\n'));
  assert.match(reports[0]!.file, /soak-.*\.json$/, 'named after the suite');
  const result = JSON.parse(readFileSync(reports[0]!.file, 'utf8')) as SoakResult;
  t.diagnostic(reports[0]!.table);
  const context = `\n${reports[0]!.table}\n${log.join('\n')}`;
  assert.equal(result.suite, 'soak', 'the suite is recorded');
  assert.ok(result.runs.length >= 3, `at least three runs back to back (${result.runs.length})${context}`);
  for (const [name, check] of Object.entries(result.checks)) assert.ok(check.pass, `${name}: ${check.detail}${context}`);
  assert.equal(result.pass, true, `the suite's verdict${context}`);

  // The warm-up is the first run; every idle point after it is compared with the first of them.
  assert.equal(result.warmupEnd, result.idle[0]!.t, 'the warm-up ends at the first idle point');
  assert.deepEqual(Object.keys(result.processes).sort(), ['api', 'scheduler', 'worker-0', 'worker-1'], 'every process sampled');
  for (const [name, p] of Object.entries(result.processes)) {
    const { tensors, tensorBytes } = p.idle;
    assert.ok(tensors.length >= 2, `${name}: idle points to compare (${tensors.length})`);
    assert.deepEqual(tensors, tensors.map(() => tensors[0]), `${name}: the same tfjs tensors at every idle point${context}`);
    assert.deepEqual(tensorBytes, tensorBytes.map(() => tensorBytes[0]), `${name}: the same tensor bytes at every idle point${context}`);
    // Measured only by a major GC after the warm-up: a process that needed none has no floor to compare.
    const floor = p.heapFloor;
    if (floor.gcs >= 2) assert.ok(floor.last - floor.first <= FLOOR_SLACK, `${name}: heap after GC ${(floor.first / MIB).toFixed(1)} → ${(floor.last / MIB).toFixed(1)} MiB rose by at most ${FLOOR_SLACK / MIB} MiB${context}`);
  }
  // Not vacuous: the gauges saw the workers' and the scheduler's tensors while runs trained.
  for (const name of ['worker-0', 'worker-1', 'scheduler']) {
    assert.ok(result.processes[name]!.continuous.tensors.max > 0, `${name}: tensors seen during the runs${context}`);
  }
  assert.ok(result.queues.inFlightMax > 0 && result.queues.inFlightMax <= result.window, `batches in flight ${result.queues.inFlightMax}, within the window ${result.window}${context}`);
  assert.ok(result.queues.stageReadyMax <= result.window, `batches waiting in a stage queue ${result.queues.stageReadyMax}, within the window ${result.window}${context}`);
  assert.ok(result.queues.stageMax > 0 && result.queues.stageMax <= result.depthBound, `deepest stage queue ${result.queues.stageMax}, within ${result.depthBound}${context}`);
});
