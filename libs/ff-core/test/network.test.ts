import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { createRng } from '@pff/random';
import { FFNetwork, type NetworkConfig } from '@pff/ff-core';

before(async () => {
  await initBackend('wasm');
});

const base: NetworkConfig = {
  inputSize: 20,
  layers: [8, 6, 4],
  objective: 'ff',
  classifier: 'goodness',
  readout: 'all',
  norm: 'rms',
  goodness: 'sum',
  threshold: 1,
  peerNormalization: 0,
  optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 },
  labelScale: 1,
};

test('the threshold is per unit: times the width for the sum goodness, as is for the mean', () => {
  const sum = new FFNetwork(base, createRng(1));
  assert.deepEqual(sum.ffLayers.map((l) => l.options.threshold), [8, 6, 4]);
  const mean = new FFNetwork({ ...base, goodness: 'mean', threshold: 2 }, createRng(1));
  assert.deepEqual(mean.ffLayers.map((l) => l.options.threshold), [2, 2, 2]);
  sum.dispose();
  mean.dispose();
});

test('all layers but the first classify (the only one when there is one)', () => {
  const three = new FFNetwork({ ...base, classifier: 'softmax' }, createRng(1));
  assert.deepEqual(three.readingLayers(), [1, 2]);
  assert.equal(three.head?.inputSize, 10);
  const one = new FFNetwork({ ...base, layers: [5], classifier: 'softmax' }, createRng(1));
  assert.deepEqual(one.readingLayers(), [0]);
  three.dispose();
  one.dispose();
});

test('goodness scores: label l scores the goodness summed over the reading layers with label l embedded', () => {
  const network = new FFNetwork(base, createRng(2));
  const x = tf.randomUniform([3, 20], 0, 1, 'float32', 4) as tf.Tensor2D;
  const scores = network.scores(x).arraySync();
  assert.equal(scores.length, 3);
  for (const label of [0, 7]) {
    const withLabel = tf.concat([tf.mul(tf.oneHot(tf.fill([3], label, 'int32') as tf.Tensor1D, 10), 1), tf.slice(x, [0, 10], [-1, -1])], 1) as tf.Tensor2D;
    const outputs = network.layerOutputs(withLabel);
    const expected = [1, 2].map((i) => network.ffLayers[i]!.goodness(i === 1 ? outputs[0]! : outputs[1]!).arraySync());
    for (let r = 0; r < 3; r++) {
      const want = expected[0]![r]! + expected[1]![r]!;
      assert.ok(Math.abs(scores[r]![label]! - want) < 1e-3 * Math.max(1, want), `row ${r} label ${label}: ${scores[r]![label]} vs ${want}`);
    }
  }
  network.dispose();
});

test('layer outputs are RMS-normalised, and scores leak no tensors', () => {
  const network = new FFNetwork({ ...base, classifier: 'softmax' }, createRng(3));
  const x = tf.randomUniform([5, 20], 0, 1, 'float32', 5) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  network.scores(x).dispose();
  assert.equal(tf.memory().numTensors, before);
  const [first] = network.layerOutputs(x);
  const meanSquares = Array.from(tf.mean(tf.square(first!), 1).dataSync());
  for (const m of meanSquares) assert.ok(m === 0 || Math.abs(m - 1) < 1e-4, `mean square ${m}`);
  network.dispose();
});
