import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fitBrokerMessageSeconds,
  fitRoundSeconds,
  layerSeconds,
  layerWeights,
  messagesPerBatch,
  predictAllLayers,
  predictSingleLayer,
  sharingRounds,
  type ScalingInputs,
} from '../src/scaling-model.js';

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);

/** The standard network: 784 -> 4 x 500; weights 392k, 250k, 250k, 250k (1142k in all). */
const inputs: ScalingInputs = {
  layers: [500, 500, 500, 500],
  inputSize: 784,
  batchesPerEpoch: 1000,
  batchSeconds: 0.1142,
  brokerMessageSeconds: 0,
  roundSeconds: 0,
};

test('layers cost in proportion to their weights and add up to the 1-worker batch time', () => {
  assert.deepEqual(layerWeights(inputs.layers, inputs.inputSize), [392_000, 250_000, 250_000, 250_000], 'weights are inputs x units');
  const seconds = layerSeconds(inputs);
  close(seconds[0]!, 0.0392, 'first layer');
  close(seconds[3]!, 0.025, 'last layer');
  close(seconds.reduce((a, b) => a + b, 0), inputs.batchSeconds, 'sum of the layers');
});

test('single-layer: one worker is the calibration point; more workers are bound by the slowest stage', () => {
  const one = predictSingleLayer(inputs, 1, 'embedded', 0);
  close(one.secondsPerEpoch, 114.2, '1 worker s/epoch');
  close(one.speedUp, 1, '1 worker speed-up');
  const two = predictSingleLayer(inputs, 2, 'embedded', 0);
  assert.deepEqual(two.replicas, [1, 1], 'two stages of one worker');
  assert.equal(two.bottleneck, 0, 'layers 0-1 (642k weights) bound layers 2-3 (500k)');
  close(two.speedUp, 1142 / 642, '2 workers speed-up');
  close(predictSingleLayer(inputs, 4, 'embedded', 0).speedUp, 1142 / 392, '4 workers: the first layer bounds');
  const eight = predictSingleLayer(inputs, 8, 'embedded', 0);
  assert.deepEqual(eight.replicas, [2, 2, 2, 2], 'extra workers replicate the costliest stages');
  close(eight.speedUp, (2 * 1142) / 392, '8 workers without sharing cost');
});

test('single-layer: replicated stages pay their share of the sharing rounds; RabbitMQ pays per message', () => {
  const shared = predictSingleLayer({ ...inputs, roundSeconds: 1 }, 8, 'embedded', 10);
  // First stage: 1000 x 39.2 ms / 2 replicas + 1000 / (10 x 2) rounds x 1 s x 392/1142 of the weights.
  close(shared.secondsPerEpoch, 19.6 + 50 * (392 / 1142), '8 workers sharing every 10 batches');
  const broker = predictSingleLayer({ ...inputs, brokerMessageSeconds: 0.001 }, 2, 'amqp', 0);
  close(broker.secondsPerEpoch, 1000 * (0.0642 + 4 * 0.001), 'the first stage handles 4 messages a batch');
  close(predictSingleLayer({ ...inputs, brokerMessageSeconds: 0.001 }, 2, 'embedded', 0).secondsPerEpoch, 64.2, 'embedded pays nothing extra');
});

test('all-layers: compute divides by the workers, sharing rounds add their cost', () => {
  for (const workers of [1, 2, 4, 8, 16]) close(predictAllLayers(inputs, workers, 'embedded', 0).speedUp, workers, `${workers} workers, no sharing`);
  const shared = predictAllLayers({ ...inputs, roundSeconds: 0.5 }, 2, 'embedded', 16);
  close(shared.secondsPerEpoch, 57.1 + (1000 / 32) * 0.5, '2 workers sharing every 16 batches per replica');
  const broker = predictAllLayers({ ...inputs, brokerMessageSeconds: 0.001 }, 2, 'amqp', 0);
  close(broker.secondsPerEpoch, (1000 * (0.1142 + 3 * 0.001)) / 2, 'a replica handles 3 messages a batch');
});

test('messages and sharing rounds per batch', () => {
  assert.equal(messagesPerBatch(0, 2), 4, 'a stage that passes batches on');
  assert.equal(messagesPerBatch(1, 2), 3, 'the last stage');
  assert.equal(messagesPerBatch(0, 1), 3, 'a single stage');
  assert.equal(sharingRounds(938, 16, 2), 938 / 32, 'one round every 16 batches per replica');
  assert.equal(sharingRounds(938, 0, 2), 0, 'shareEvery 0: chapter ends only');
  assert.equal(sharingRounds(938, 16, 1), 0, 'a lone replica does not share');
});

test('fits: broker cost per message, sharing-round cost, never negative; a fitted point is reproduced', () => {
  close(fitBrokerMessageSeconds(0.05, 0.058, 4), 0.002, 'broker per message');
  assert.equal(fitBrokerMessageSeconds(0.05, 0.049, 4), 0, 'a faster broker run fits no overhead');
  const round = fitRoundSeconds(inputs, 2, 57.1 + 10 * 0.4, 10);
  close(round, 0.4, 'round cost');
  assert.equal(fitRoundSeconds(inputs, 2, 50, 10), 0, 'faster than compute / workers fits no cost');
  assert.equal(fitRoundSeconds(inputs, 2, 70, 0), 0, 'no mid-epoch round: nothing to fit');
  const measured = 57.1 + sharingRounds(1000, 16, 2) * 0.7;
  const fitted = fitRoundSeconds(inputs, 2, measured, sharingRounds(1000, 16, 2));
  close(predictAllLayers({ ...inputs, roundSeconds: fitted }, 2, 'embedded', 16).secondsPerEpoch, measured, 'the fitted run');
});
