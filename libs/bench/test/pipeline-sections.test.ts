import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyPoints, adaptiveSection, brokerSection, paritySection, ratio, speedSection } from '../src/pipeline-sections.js';
import { failedRun, fakeRun } from './fake-runs.js';

const close = (actual: number | null, expected: number, what: string): void =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

test('ratio and accuracy points', () => {
  assert.equal(ratio(3, 2), 1.5, 'a plain ratio');
  assert.equal(ratio(undefined, 2), null, 'an unmeasured numerator');
  assert.equal(ratio(3, undefined), null, 'an unmeasured denominator');
  assert.equal(ratio(3, 0), null, 'no division by zero');
  close(accuracyPoints(0.9512, 0.9530), -0.18, 'points below the reference');
});

const speedRuns = (overrides: { singleLayer?: number; allLayers?: number } = {}) => ({
  inProcess: fakeRun('in-process', 70, { engine: 'in-process' }),
  sequential: fakeRun('pipeline-seq', 80),
  singleLayer: fakeRun('sl2', overrides.singleLayer ?? 42, { variant: 'single-layer', workers: 2 }),
  allLayers: fakeRun('al2', overrides.allLayers ?? 38, { variant: 'all-layers', workers: 2 }),
  singleLayerAmqp: failedRun('sl2-amqp'),
  adaptive: fakeRun('adaptive', 45, { variant: 'single-layer', workers: 2, neg: 'adaptive' }),
});

test('speed-up: against both baselines; met only against the faster one', () => {
  const section = speedSection(speedRuns());
  const al2 = section.rows.find((r) => r.role === 'allLayers')!;
  close(al2.vsPipelineSequential, 80 / 38, 'all-layers vs pipeline sequential');
  close(al2.vsInProcess, 70 / 38, 'all-layers vs in-process');
  assert.deepEqual(section.meets, ['sl2 vs pipeline-seq', 'al2 vs pipeline-seq', 'al2 vs in-process'], 'pairs at or over 1.8x');
  assert.equal(section.met, true, 'all-layers beats the faster baseline (70 s) by 1.84x');
  const amqp = section.rows.find((r) => r.role === 'singleLayerAmqp')!;
  assert.equal(amqp.secondsPerEpoch, null, 'a failed run has no time');
  assert.equal(amqp.vsInProcess, null, 'nor a speed-up');
  const slower = speedSection(speedRuns({ allLayers: 40 }));
  assert.equal(slower.met, false, '1.75x against the in-process run does not meet 1.8x even though 2x against the pipeline does');
  assert.deepEqual(slower.meets, ['sl2 vs pipeline-seq', 'al2 vs pipeline-seq'], 'the pairs that do meet it are still listed');
});

test('broker overhead: RabbitMQ time per batch over embedded, target <= 1.10', () => {
  const embedded = fakeRun('sl2', 40);
  const within = brokerSection(embedded, fakeRun('sl2-amqp', 44, { engine: 'amqp' }));
  close(within.ratio, 1.1, 'ratio');
  assert.equal(within.met, true, '1.10 is within the target');
  assert.equal(brokerSection(embedded, fakeRun('sl2-amqp', 44.5, { engine: 'amqp' })).met, false, '1.11 is not');
  const failed = brokerSection(embedded, failedRun('sl2-amqp'));
  assert.equal(failed.ratio, null, 'no ratio without the broker run');
  assert.equal(failed.met, false, 'an unmeasured target is not met');
});

test('accuracy parity: points against the in-process run, every variant within 0.3', () => {
  const runs = {
    inProcess: fakeRun('in-process', 140, { engine: 'in-process', accuracy: 0.95 }),
    sequential: fakeRun('pipeline-seq', 160, { accuracy: 0.9504 }),
    singleLayer: fakeRun('sl2', 90, { accuracy: 0.9471 }),
    allLayers: fakeRun('al2', 80, { accuracy: 0.9529 }),
    federated: fakeRun('fed2', 80, { accuracy: 0.9532 }),
  };
  const section = paritySection(runs);
  assert.equal(section.reference.accuracy, 0.95, 'the reference is the in-process run');
  assert.deepEqual(section.rows.map((r) => r.label), ['pipeline-seq', 'sl2', 'al2', 'fed2'], 'every pipelined run, in order');
  close(section.rows[1]!.points, -0.29, 'single-layer points');
  assert.deepEqual(section.rows.map((r) => r.within), [true, true, true, false], '-0.29 and +0.29 are within, +0.32 is not');
  assert.equal(section.met, false, 'one run outside fails the target');
  const withFailure = paritySection({ ...runs, federated: failedRun('fed2') });
  assert.equal(withFailure.rows[3]!.points, null, 'a failed run has no points');
  assert.equal(withFailure.met, false, 'nor does it meet the target');
});

test('adaptive against random negatives: time ratio, target <= 1.3', () => {
  const section = adaptiveSection(fakeRun('sl2', 40), fakeRun('adaptive', 50));
  close(section.ratio, 1.25, 'ratio');
  assert.equal(section.met, true, '1.25 meets 1.3');
  assert.equal(adaptiveSection(fakeRun('sl2', 40), fakeRun('adaptive', 53)).met, false, '1.325 does not');
});
