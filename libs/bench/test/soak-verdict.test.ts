import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetrics, total } from '../src/prometheus-text.js';
import { queueSampleOf } from '../src/soak-queues.js';
import type { ProcessSample, SoakSample } from '../src/soak-sampler.js';
import { inFlightWindow } from '@pff/scheduler';
import { judgeSoak, stageDepthBound, type IdlePoint } from '../src/soak-verdict.js';
import { slopePerMinute, trendOf } from '../src/trend.js';

const MIB = 1024 * 1024;

function processAt(overrides: Partial<ProcessSample> = {}): ProcessSample {
  return { rss: 200 * MIB, heapUsed: 40 * MIB, heapAfterGc: 30 * MIB, majorGcs: 0, majorGcSeconds: 0, external: 20 * MIB, arrayBuffers: 10 * MIB, tensors: 0, tensorBytes: 0, ...overrides };
}

const QUIET = { stageMax: 3, stageReadyMax: 2, stageUnackedMax: 1, stageSum: 4, events: 1, queues: 6 };

/** A soak of `minutes`, sampled every 5 s; `worker(t)` says what the worker looks like at t seconds; an idle point every 30 s. */
function soak(minutes: number, worker: (t: number) => Partial<ProcessSample>): { samples: SoakSample[]; idle: IdlePoint[] } {
  const samples: SoakSample[] = [];
  const idle: IdlePoint[] = [];
  for (let t = 0; t <= minutes * 60; t += 5) {
    const processes = { scheduler: processAt(), worker: processAt(worker(t)) };
    samples.push({ t, processes, queues: QUIET, inFlight: 4 });
    if (t > 0 && t % 30 === 0) idle.push({ t, after: `run-${t / 30}`, processes });
  }
  return { samples, idle };
}

const LIMITS = { warmupSeconds: 60, heapSlopeMiBPerMinute: 1, window: 6, depthBound: 16 };

test('the slope is per minute and least squares; a trend leaves out values that are not finite', () => {
  assert.equal(slopePerMinute([[0, 1], [30, 2], [60, 3]]), 2, 'one unit per 30 s is 2 per minute');
  assert.equal(slopePerMinute([[0, 5], [60, 5]]), null, 'fewer than 3 points: no slope');
  const trend = trendOf([[0, Number.NaN], [10, 4], [20, 8], [30, 6], [40, 10]], 20);
  assert.deepEqual({ first: trend.first, last: trend.last, min: trend.min, max: trend.max }, { first: 4, last: 10, min: 4, max: 10 }, 'NaN left out');
  assert.equal(trend.slopePerMinute, 6, 'slope only from t = 20 on: 8, 6, 10 at 20, 30, 40 s is 0.1 per second');
});

test('a steady soak passes every check', () => {
  const { samples, idle } = soak(5, (t) => ({ tensors: t % 30 === 0 ? 0 : 12, heapAfterGc: 30 * MIB + (t % 20) * 1000, majorGcs: Math.floor(t / 10) }));
  const verdict = judgeSoak(samples, idle, LIMITS);
  assert.equal(verdict.warmupEnd, 60, 'the warm-up ends at the first idle point after 60 s');
  assert.deepEqual(Object.entries(verdict.checks).filter(([, c]) => !c.pass), [], 'no check fails');
  assert.equal(verdict.processes['worker']!.continuous.tensors.max, 12, 'the tensors of the runs are seen');
  assert.ok(verdict.processes['worker']!.heapFloor.gcs >= 20, 'major GCs after the warm-up are counted');
});

test('one tensor left behind per run fails the tensor check; so does a changed byte count', () => {
  const leak = soak(5, (t) => ({ tensors: Math.floor(t / 30) }));
  assert.equal(judgeSoak(leak.samples, leak.idle, LIMITS).checks['tensorsFlat']!.pass, false, 'a count that grows at idle points');
  const bytes = soak(5, (t) => ({ tensors: 3, tensorBytes: t > 200 ? 4096 : 2048 }));
  assert.equal(judgeSoak(bytes.samples, bytes.idle, LIMITS).checks['tensorsFlat']!.pass, false, 'the same count holding more bytes');
});

test('a heap floor rising 2 MiB a minute fails; one measured only before the warm-up is not judged', () => {
  const rising = soak(5, (t) => ({ heapAfterGc: 30 * MIB + (t / 60) * 2 * MIB, majorGcs: t }));
  const verdict = judgeSoak(rising.samples, rising.idle, LIMITS);
  assert.equal(verdict.checks['heapSlope']!.pass, false, verdict.checks['heapSlope']!.detail);
  assert.ok(Math.abs(verdict.processes['worker']!.heapFloor.slopePerMinute! - 2 * MIB) < 1, 'the slope of the floor: 2 MiB/min');
  const stale = soak(5, (t) => ({ heapAfterGc: t < 60 ? 30 * MIB : 30 * MIB, heapUsed: 40 * MIB + t * MIB, majorGcs: t < 30 ? 1 : 2 }));
  const judged = judgeSoak(stale.samples, stale.idle, LIMITS);
  assert.equal(judged.processes['worker']!.heapFloor.gcs, 0, 'no major GC after the warm-up');
  assert.equal(judged.processes['worker']!.heapFloor.slopePerMinute, null, 'no floor measured after the warm-up');
});

test('queues beyond the window or the depth bound fail; a soak with one idle point cannot be judged', () => {
  const { samples, idle } = soak(5, () => ({}));
  const waiting = samples.map((s, i) => (i === 10 ? { ...s, queues: { ...s.queues, stageReadyMax: 7 } } : s));
  assert.equal(judgeSoak(waiting, idle, LIMITS).checks['queuesBounded']!.pass, false, '7 batches waiting, window 6');
  const deep = samples.map((s, i) => (i === 10 ? { ...s, queues: { ...s.queues, stageMax: 17 } } : s));
  assert.equal(judgeSoak(deep, idle, LIMITS).checks['queuesBounded']!.pass, false, '17 deep, bound 16');
  const flight = samples.map((s, i) => (i === 10 ? { ...s, inFlight: 7 } : s));
  assert.equal(judgeSoak(flight, idle, LIMITS).checks['queuesBounded']!.pass, false, '7 batches in flight, window 6');
  const short = judgeSoak(samples, idle.slice(-1), LIMITS);
  assert.equal(short.checks['idlePoints']!.pass, false, 'one idle point after the warm-up');
  assert.equal(short.pass, false, 'and the verdict fails');
});

test('the window and the depth bound of a plan', () => {
  const plan = { stages: [{ first: 0, last: 0 }, { first: 1, last: 1 }], replicas: [1, 1], shards: 0 };
  assert.equal(inFlightWindow(plan), 6, '3 per worker');
  assert.equal(inFlightWindow({ ...plan, stages: [{ first: 0, last: 1 }], replicas: [1] }), 4, 'at least 4');
  assert.equal(stageDepthBound({ ...plan, replicas: [2, 1] }, 2, 8), 9 + 2 * 10, 'the window plus what the widest stage\'s replicas may hold');
});

test('queue samples count ready plus unacknowledged per stage queue, per run, and the events queue', () => {
  const counts = new Map([
    ['pff.soak-1.stage.0', { ready: 3, unacked: 2 }],
    ['pff.soak-1.stage.1', { ready: 0, unacked: 4 }],
    ['pff.soak-1.stage.0.dlq', { ready: 9, unacked: 0 }],
    ['pff.soak-1.events', { ready: 1, unacked: 1 }],
    ['pff.other.stage.0', { ready: 50, unacked: 0 }],
  ]);
  assert.deepEqual(queueSampleOf(counts, 'pff.soak-'), { stageMax: 5, stageReadyMax: 3, stageUnackedMax: 4, stageSum: 9, events: 2, queues: 4 });
});

test('a Prometheus scrape is read by metric name and labels', () => {
  const metrics = parseMetrics([
    '# HELP pff_tensors tfjs tensors', '# TYPE pff_tensors gauge', 'pff_tensors{role="worker"} 12',
    'nodejs_gc_duration_seconds_count{role="worker",kind="major"} 3', 'nodejs_gc_duration_seconds_count{role="worker",kind="minor"} 40',
    'pff_heap_after_gc_bytes{role="api"} NaN', 'process_resident_memory_bytes 1.5e+08',
  ].join('\n'));
  assert.equal(total(metrics, 'pff_tensors'), 12);
  assert.deepEqual(metrics.get('nodejs_gc_duration_seconds_count')!.map((s) => s.labels['kind']), ['major', 'minor'], 'labels kept');
  assert.ok(Number.isNaN(total(metrics, 'pff_heap_after_gc_bytes')), 'NaN stays NaN');
  assert.equal(total(metrics, 'process_resident_memory_bytes'), 1.5e8, 'a series without labels');
  assert.equal(total(metrics, 'absent'), 0, 'a metric the scrape lacks sums to 0');
});
