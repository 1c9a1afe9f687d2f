import { test } from 'node:test';
import assert from 'node:assert/strict';
import Value from 'typebox/value';
import { runCli } from '@pff/cli';
import { TrainSummarySchema, type TrainSummary } from '@pff/contracts';
import { memoryIo } from './helpers.js';

// The real MNIST files, the real backend, the real CLI path: a short FF run
// (10k training samples, 2 epochs, two 500-unit layers) must beat 90 % test accuracy.
test('pff train on real MNIST beats 90% test accuracy within a small budget', async () => {
  const io = memoryIo({ PFF_BACKEND: 'wasm' });
  const code = await runCli(
    ['train', '--layers', '500,500', '--epochs', '2', '--train-limit', '10000', '--learning-rate', '0.001', '--head-learning-rate', '0.01', '--json'],
    io,
  );
  assert.equal(code, 0, io.err());
  const summary = JSON.parse(io.out()) as TrainSummary;
  assert.ok(Value.Check(TrainSummarySchema, summary), 'the summary matches its schema');
  assert.ok(summary.accuracy > 0.9, `accuracy ${summary.accuracy}`);
  assert.equal(summary.testSamples, 10000);
  assert.equal(summary.trainSamples, 10000);
  assert.equal(summary.history.length, 2);
  assert.ok(summary.trainSeconds > 0 && summary.evalSeconds > 0);
});
