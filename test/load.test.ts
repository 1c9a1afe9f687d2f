// Load: several runs at once share one set of worker processes (a `pff worker` per
// stage) on the real RabbitMQ. Each must train exactly what it would have trained alone
// on the same workers (nothing of another run mixed in), make progress while the others
// run (none starved), and leave no queue and no dead letter behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { initBackend } from '@pff/backend';
import { loadSchedulerConfig } from '@pff/config';
import { encodeMessage, RUN_REQUESTS_QUEUE, type RunSpec } from '@pff/contracts';
import { createSchedulerService, type RunRecord, type SchedulerService } from '@pff/scheduler';
import { connectBroker, type Transport } from '@pff/transport';
import { assertExactCounts, smallSpec, uniqueRunId } from './pipeline-helpers.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';
import { createScratchVhost } from './support/scratch-vhost.js';

before(async () => {
  await initBackend('wasm');
});

/** Three runs that differ in seed and shape; 3,000 samples are 47 batches an epoch. */
const SPECS: readonly RunSpec[] = [
  smallSpec({ variant: 'single-layer', workers: 2, seed: 3 }),
  smallSpec({ variant: 'single-layer', workers: 2, seed: 4 }),
  smallSpec({ variant: 'single-layer', workers: 2, seed: 5, layers: [256, 128] }),
];
const BATCHES_PER_EPOCH = 47;

/** What a finished run left: its record, and a digest of its trained weights (bit for bit). */
interface Outcome {
  readonly record: RunRecord;
  readonly accuracy: number;
  readonly weights: string;
}

function outcomeOf(scheduler: SchedulerService, runId: string, spec: RunSpec): Outcome {
  const record = scheduler.store.get(runId);
  assert.equal(record.status, 'FINISHED', `run ${runId} finished: ${record.error ?? ''}`);
  assert.ok(record.summary, `run ${runId} stored its summary`);
  assertExactCounts(record.summary, spec, BATCHES_PER_EPOCH);
  assert.equal(record.summary.pipeline?.deadLettered, 0, `run ${runId}: nothing dead-lettered`);
  const weights = createHash('sha256').update(readFileSync(join(scheduler.store.modelDir(runId), 'weights.bin'))).digest('hex');
  return { record, accuracy: record.summary.accuracy, weights };
}

/** Every run's epochs done (the scheduler's pff_run_epoch), sampled every 50 ms while the runs train. */
function followProgress(scheduler: SchedulerService, runIds: readonly string[]): { stop(): void; samples: Array<{ at: number; epoch: Map<string, number> }> } {
  const samples: Array<{ at: number; epoch: Map<string, number> }> = [];
  const timer = setInterval(() => {
    void (async () => {
      const metric = scheduler.metrics.getSingleMetric('pff_run_epoch');
      const values = metric ? (await metric.get()).values : [];
      const epoch = new Map(runIds.map((id) => [id, values.find((v) => v.labels['run'] === id)?.value ?? 0]));
      samples.push({ at: Date.now(), epoch });
    })();
  }, 50);
  return { stop: () => clearInterval(timer), samples };
}

it('three runs at once on one set of worker processes: each trains as alone, none starves, nothing is left', { timeout: 300_000 }, async (t) => {
  const vhost = await createScratchVhost('pff-load');
  const runDir = mkdtempSync(join(tmpdir(), 'pff-load-'));
  const env = { PFF_BROKER_URL: vhost.url, PFF_BACKEND: 'wasm', PFF_PORT: '0' };
  const workers: RoleProcess[] = [];
  let transport: Transport | null = null;
  let scheduler: SchedulerService | null = null;
  t.after(async () => {
    await scheduler?.close();
    await transport?.close();
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await vhost.delete();
    rmSync(runDir, { recursive: true, force: true });
  });
  for (const stage of [0, 1]) workers.push(await startRoleProcess(['worker', '--stage', String(stage), '--replica', `load-${stage}`], env, /ready; probes on :(\d+)/));
  transport = await connectBroker({ url: vhost.url });
  const config = loadSchedulerConfig({ ...env, PFF_RUN_DIR: runDir, PFF_MAX_RUNS: '3' });
  const logs: string[] = [];
  const service = (scheduler = createSchedulerService({ config, log: (line) => logs.push(line), transport }));
  await service.start();
  const submit = async (prefix: string, spec: RunSpec): Promise<string> => {
    const runId = uniqueRunId(prefix);
    await transport!.send(RUN_REQUESTS_QUEUE, encodeMessage({ kind: 'run-request', runId, spec: { ...spec, layers: [...spec.layers] } }));
    return runId;
  };

  // Alone, one after the other, on the same workers; the first spec twice, to see how
  // deterministic a run is (single-layer, one replica per stage: every batch takes the
  // same path in the same order, so the weights should come out the same bit for bit).
  const alone: Outcome[] = [];
  for (const [i, spec] of [...SPECS, SPECS[0]!].entries()) {
    const runId = await submit(`alone-${i}`, spec);
    await service.settled(runId);
    alone.push(outcomeOf(service, runId, spec));
  }
  t.diagnostic(`alone: ${alone.map((o) => `${o.record.runId} ${o.accuracy} ${o.weights.slice(0, 12)} ${o.record.summary!.trainSeconds.toFixed(1)} s`).join('; ')}`);
  assert.equal(alone[3]!.weights, alone[0]!.weights, `the same spec and seed trained alone twice gives the same weights bit for bit (accuracy ${alone[0]!.accuracy} and ${alone[3]!.accuracy})`);
  assert.equal(alone[3]!.accuracy, alone[0]!.accuracy, 'and the same accuracy');

  // Together: three requests at once, PFF_MAX_RUNS 3.
  const submitted = Date.now();
  const ids = await Promise.all(SPECS.map((spec, i) => submit(`together-${i}`, spec)));
  const progress = followProgress(service, ids);
  const finishedAt = new Map<string, number>();
  await Promise.all(ids.map((id) => service.settled(id).then(() => finishedAt.set(id, Date.now()))));
  progress.stop();
  const together = ids.map((id, i) => outcomeOf(service, id, SPECS[i]!));
  t.diagnostic(`together: ${together.map((o) => `${o.record.runId} ${o.accuracy} ${o.weights.slice(0, 12)} ${o.record.summary!.trainSeconds.toFixed(1)} s`).join('; ')}`);

  // No mixing: each run trained exactly what it trained alone.
  together.forEach((o, i) => {
    assert.equal(o.weights, alone[i]!.weights, `run ${o.record.runId} (spec ${i}) has the weights it had alone, bit for bit`);
    assert.equal(o.accuracy, alone[i]!.accuracy, `run ${o.record.runId} (spec ${i}) has the accuracy it had alone`);
  });

  // No starvation: each run started making progress before any run finished, and while all
  // three trained each advanced a fair part of what the fastest did.
  const firstFinish = Math.min(...finishedAt.values());
  const firstProgress = ids.map((id) => progress.samples.find((s) => (s.epoch.get(id) ?? 0) > 0)?.at ?? Infinity);
  const since = (at: number): string => `${((at - submitted) / 1000).toFixed(1)} s`;
  ids.forEach((id, i) => assert.ok(firstProgress[i]! < firstFinish, `run ${id} made progress (at ${since(firstProgress[i]!)}) before the first run finished (at ${since(firstFinish)})`));
  const overlap = progress.samples.filter((s) => s.at >= Math.max(...firstProgress) && s.at <= firstFinish);
  assert.ok(overlap.length >= 20, `the three runs trained together for a while (${overlap.length} samples of 50 ms)`);
  const advance = ids.map((id) => (overlap.at(-1)!.epoch.get(id) ?? 0) - (overlap[0]!.epoch.get(id) ?? 0));
  t.diagnostic(`while all three trained (${((overlap.at(-1)!.at - overlap[0]!.at) / 1000).toFixed(1)} s): epochs advanced ${advance.map((a) => a.toFixed(2)).join(', ')}`);
  ids.forEach((id, i) => assert.ok(advance[i]! >= 0.5 * Math.max(...advance), `run ${id} advanced ${advance[i]} epochs while all three trained, at least half the fastest's ${Math.max(...advance)}`));

  // Nothing left: no queue of any of the runs (stage queues, events, their dead-letter queues).
  const left = (await vhost.queues()).filter((q) => [...alone.map((o) => o.record.runId), ...ids].some((id) => q.name.includes(id)));
  assert.deepEqual(left, [], 'no queue of any run is left on the broker');
  assert.equal(logs.filter((l) => /dead-lettered/.test(l)).length, 0, `the scheduler dead-lettered nothing: ${logs.join('\n')}`);
  for (const w of workers) assert.doesNotMatch(w.log(), /dead-lettered/, `worker ${w.port} dead-lettered nothing:\n${w.log()}`);
});
