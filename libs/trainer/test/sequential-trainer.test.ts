import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { parseRunSpec } from '@pff/contracts';
import { limitDataset, loadMnist, type DatasetPair } from '@pff/datasets';
import { trainSequential, type TrainProgress } from '@pff/trainer';

let data: DatasetPair;

before(async () => {
  await initBackend('wasm');
  const full = loadMnist();
  data = { train: limitDataset(full.train, 600), test: limitDataset(full.test, 300) };
});

const small = { layers: [40, 30], batch: 50, learningRate: 0.003, headLearningRate: 0.03 };

test('a seed determines the run; another seed gives another', async () => {
  const spec = parseRunSpec({ ...small, epochs: 2 });
  const a = await trainSequential({ spec, data });
  const b = await trainSequential({ spec, data });
  const c = await trainSequential({ spec: parseRunSpec({ ...small, epochs: 2, seed: 2 }), data });
  assert.deepEqual(a.summary.history.map((h) => h.layerLoss), b.summary.history.map((h) => h.layerLoss));
  assert.equal(a.summary.accuracy, b.summary.accuracy);
  assert.notDeepEqual(a.summary.history.map((h) => h.layerLoss), c.summary.history.map((h) => h.layerLoss));
  for (const outcome of [a, b, c]) outcome.network.dispose();
});

test('E epochs in S chapters: one record per chapter, every layer and the head step over every batch', async () => {
  const spec = parseRunSpec({ ...small, epochs: 4, chapters: 2, evalEvery: 2 });
  const seen: TrainProgress[] = [];
  const { summary, network } = await trainSequential({ spec, data, onProgress: (p) => seen.push(p) });
  network.dispose();
  assert.deepEqual(summary.history.map((h) => [h.chapter, h.epoch]), [[1, 2], [2, 4]]);
  assert.ok(summary.history.every((h) => h.accuracy !== undefined), 'accuracy recorded per evaluation');
  const batches = Math.ceil(600 / 50);
  // Per chapter: 2 epochs x 12 batches for each of 2 layers and the head.
  assert.equal(seen.length, 2 * 2 * batches * 3);
  assert.equal(seen[seen.length - 1]!.step, seen[0]!.totalSteps);
  assert.ok(Math.abs(seen[seen.length - 1]!.epoch - 4) < 1e-9, 'progress ends at the last epoch');
  const order = seen.slice(0, 2 * batches * 3).map((p) => p.layer);
  assert.deepEqual([order[0], order[2 * batches], order[4 * batches]], [0, 1, -1], 'layer 1, then layer 2, then the head');
  assert.ok(summary.trainSeconds > 0 && summary.samplesPerSecond > 0);
  assert.equal(summary.trainSamples, 600);
  const last = summary.history[1]!;
  assert.equal(last.goodnessPositive.length, 2);
  assert.ok(last.goodnessPositive[0]! > last.goodnessNegative[0]!, `layer 1 goodness ${last.goodnessPositive[0]} vs ${last.goodnessNegative[0]}`);
  assert.ok(last.headLoss !== undefined && last.headLoss < Math.log(10), `head loss ${last.headLoss}`);
});

test('every objective, classifier and negative strategy trains without leaking tensors', async () => {
  const variants = [
    // Goodness reads layer 2 only: on 600 samples it needs wider layers and a third epoch.
    { classifier: 'goodness', neg: 'adaptive', goodness: 'mean', layers: [100, 100], epochs: 3 },
    { classifier: 'softmax', neg: 'adaptive', adaptiveSampling: 'proportional' },
    { classifier: 'softmax', neg: 'fixed', peerNormalization: 0.03, optimizer: 'sgd', learningRate: 0.01, goodness: 'mean' },
    { objective: 'local-softmax', readout: 'last' },
    { objective: 'local-softmax', readout: 'all', norm: 'l2' },
  ];
  const baseline = tf.memory().numTensors;
  for (const extra of variants) {
    const spec = parseRunSpec({ ...small, epochs: 2, ...(extra as Record<string, unknown>) });
    const { summary, network } = await trainSequential({ spec, data });
    network.dispose();
    // 600 samples and 2 epochs: well above chance (0.1) is all that is asked here;
    // test/mnist-training.test.ts holds the real accuracy floor.
    assert.ok(summary.accuracy > 0.2, `${JSON.stringify(extra)}: accuracy ${summary.accuracy}`);
    console.log(`# ${JSON.stringify(extra)}: accuracy ${summary.accuracy}`);
    assert.ok(summary.history.every((h) => Number.isFinite(h.loss)), `${JSON.stringify(extra)}: finite loss`);
    assert.equal(tf.memory().numTensors, baseline, `${JSON.stringify(extra)}: tensors leaked`);
  }
});

test('an abort signal stops training', async () => {
  const controller = new AbortController();
  const spec = parseRunSpec({ ...small, epochs: 3 });
  await assert.rejects(
    trainSequential({ spec, data, signal: controller.signal, onProgress: (p) => p.step === 5 && controller.abort() }),
    { name: 'AbortError' },
  );
});
