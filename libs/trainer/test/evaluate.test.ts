import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { parseRunSpec } from '@pff/contracts';
import { limitDataset, loadMnist } from '@pff/datasets';
import { FFNetwork } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { networkConfigOf, scoreDataset, scoreDatasetInSlices } from '@pff/trainer';

before(async () => {
  await initBackend('wasm');
});

test('scoring in slices gives the very same scores, yields between slices, and leaks no tensor', async () => {
  const test = limitDataset(loadMnist().test, 2500);
  const network = new FFNetwork(networkConfigOf(parseRunSpec({ layers: [50, 50] }), test.inputSize, test.maxValue), createRng(4));
  const before = tf.memory().numTensors;
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 0);
  const sliced = await scoreDatasetInSlices(network, test);
  clearInterval(ticker);
  assert.deepEqual(sliced, scoreDataset(network, test), 'bit for bit the scores of scoreDataset');
  assert.ok(ticks > 0, 'other work ran while it scored');
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  network.dispose();
});
