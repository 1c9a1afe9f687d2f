import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import {
  embedLabels,
  ffLoss,
  goodness,
  learningRateAt,
  normalize,
  positiveProbability,
  softmaxCrossEntropy,
  writeLabel,
} from '@pff/ff-core';

before(async () => {
  await initBackend('wasm');
});

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5): void => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tol, `[${i}] ${actual[i]} != ${e}`));
};

test('L2 normalisation gives unit length, RMS gives unit mean square', () => {
  const x = tf.tensor2d([
    [3, 4],
    [0, 2],
  ]);
  close(normalize(x, 'l2').dataSync(), [0.6, 0.8, 0, 1]);
  // rms of [3,4] = sqrt(12.5)
  const r = Math.sqrt(12.5);
  close(normalize(x, 'rms').dataSync(), [3 / r, 4 / r, 0, 2 / Math.sqrt(2)]);
});

test('goodness is the sum or the mean of squares', () => {
  const h = tf.tensor2d([
    [1, 2, 2],
    [0, 0, 3],
  ]);
  close(goodness(h, 'sum').dataSync(), [9, 9]);
  close(goodness(h, 'mean').dataSync(), [3, 3]);
});

test('FF loss: softplus(theta-g) for positives, softplus(g-theta) for negatives, averaged', () => {
  const softplus = (v: number): number => Math.log1p(Math.exp(v));
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  const g = tf.tensor1d([3, 0.5, 1, 4]); // two positives, two negatives
  const theta = 2;
  const { loss, dLossDGoodness } = ffLoss(g, 2, theta);
  const expected = (softplus(-1) + softplus(1.5) + softplus(-1) + softplus(2)) / 4;
  close(loss.dataSync(), [expected]);
  close(dLossDGoodness.dataSync(), [-sigmoid(-1) / 4, -sigmoid(1.5) / 4, sigmoid(-1) / 4, sigmoid(2) / 4]);
  close(positiveProbability(g, theta).dataSync(), [sigmoid(1), sigmoid(-1.5), sigmoid(-1), sigmoid(2)]);
});

test('labels: one-hot of the data scale in the first 10 inputs, neutral = 0.1 each', () => {
  const row = new Float32Array(12).fill(0.5);
  writeLabel(row, 0, 3, 1);
  close(row, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0.5, 0.5]);
  writeLabel(row, 0, null, 1);
  close(row, [...Array<number>(10).fill(0.1), 0.5, 0.5]);
  const x = tf.fill([2, 12], 0.5) as tf.Tensor2D;
  const embedded = embedLabels(x, tf.tensor1d([9, 0], 'int32'), 2).arraySync();
  close(embedded[0]!, [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0.5, 0.5]);
  close(embedded[1]!, [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5]);
});

test('softmax cross-entropy and its gradient match the formula', () => {
  const logits = tf.tensor2d([[1, 2, 3]]);
  const { loss, dLogits } = softmaxCrossEntropy(logits, tf.tensor1d([2], 'int32'));
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  close(loss.dataSync(), [-Math.log(Math.exp(3) / z)]);
  close(dLogits.dataSync(), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z - 1]);
});

test('learning rate: full for the first half, then linear to zero', () => {
  assert.equal(learningRateAt(0.01, 0, 100, true), 0.01);
  assert.equal(learningRateAt(0.01, 50, 100, true), 0.01);
  assert.ok(Math.abs(learningRateAt(0.01, 75, 100, true) - 0.005) < 1e-12);
  assert.equal(learningRateAt(0.01, 100, 100, true), 0);
  assert.equal(learningRateAt(0.01, 99, 100, false), 0.01);
});
