import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { FFNetwork, type NetworkConfig } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { StageModel, trainStageBatch, type StageInput } from '../src/index.js';

before(async () => {
  await initBackend('wasm');
});

const config: NetworkConfig = {
  inputSize: 24,
  layers: [12, 10, 8],
  objective: 'ff',
  classifier: 'softmax',
  readout: 'all',
  norm: 'rms',
  goodness: 'sum',
  threshold: 1,
  peerNormalization: 0,
  optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 },
  labelScale: 1,
};
const rates = { learningRate: 0.01, headLearningRate: 0.01 };
const n = 5;

function batch(seed: number, width: number, withNegative = true): StageInput {
  const rng = createRng(seed);
  const rows = (): Float32Array => Float32Array.from({ length: n * width }, () => rng.next());
  return { rows: n, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), positive: rows(), negative: withNegative ? rows() : null, neutral: rows(), features: null };
}

const weightsOf = (model: { namedWeights(): Array<[string, tf.Variable]> }): Map<string, number[]> =>
  new Map(model.namedWeights().map(([name, v]) => [name, Array.from(v.dataSync())]));

describe('pipeline stages', () => {
  it('build what the whole network holds: same names, same initial weights for the same seed', () => {
    const network = new FFNetwork(config, createRng(7));
    const stages = [new StageModel({ network: config, first: 0, last: 0 }, createRng(7)), new StageModel({ network: config, first: 1, last: 2 }, createRng(7))];
    const whole = weightsOf(network);
    const parts = new Map([...weightsOf(stages[0]!), ...weightsOf(stages[1]!)]);
    assert.deepEqual([...parts.keys()].sort(), [...whole.keys()].sort(), 'stages together hold every weight once');
    for (const [name, values] of parts) assert.deepEqual(values, whole.get(name), `${name} initialised alike`);
    assert.equal(stages[0]!.head, null, 'the head sits only in the stage that ends the network');
    assert.notEqual(stages[1]!.head, null, 'the last stage holds the head');
    network.dispose();
    stages.forEach((s) => s.dispose());
  });

  it('two chained stages train exactly what one stage of all the layers trains', () => {
    const one = new StageModel({ network: config, first: 0, last: 2 }, createRng(3));
    const split = [new StageModel({ network: config, first: 0, last: 1 }, createRng(3)), new StageModel({ network: config, first: 2, last: 2 }, createRng(3))];
    for (let b = 0; b < 3; b++) {
      const input = batch(100 + b, config.inputSize);
      const whole = trainStageBatch(one, input, rates, true);
      const first = trainStageBatch(split[0]!, input, rates, false);
      const second = trainStageBatch(split[1]!, first.next, rates, true);
      assert.deepEqual([...first.layers, ...second.layers], whole.layers, `batch ${b}: per-layer stats agree`);
      assert.equal(second.headLoss, whole.headLoss, `batch ${b}: head loss agrees`);
      assert.deepEqual(Array.from(second.scores!), Array.from(whole.scores!), `batch ${b}: head scores agree`);
    }
    const joined = new Map([...weightsOf(split[0]!), ...weightsOf(split[1]!)]);
    for (const [name, values] of weightsOf(one)) assert.deepEqual(joined.get(name), values, `${name} trained alike`);
    one.dispose();
    split.forEach((s) => s.dispose());
  });

  it('passes on the reading layers\' neutral outputs as head features and leaks no tensor', () => {
    const stage = new StageModel({ network: config, first: 0, last: 1 }, createRng(5));
    const before = tf.memory().numTensors;
    const out = trainStageBatch(stage, batch(9, config.inputSize), rates, false);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(out.next.positive.length, n * 10, 'positive rows of the stage\'s last width');
    assert.equal(out.next.features?.length, n * 10, 'layer 1 is a reading layer; layer 0 is not');
    assert.equal(out.layers.length, 2, 'one record per layer');
    stage.dispose();
  });

  it('trains the local-softmax objective on the positive stream alone', () => {
    const local: NetworkConfig = { ...config, objective: 'local-softmax' };
    const stage = new StageModel({ network: local, first: 0, last: 1 }, createRng(5));
    const input = { ...batch(11, local.inputSize, false), neutral: null };
    const out = trainStageBatch(stage, input, rates, false);
    assert.equal(out.next.negative, null, 'no negative stream');
    assert.ok(out.layers.every((l) => Number.isFinite(l.loss) && l.loss > 0), 'cross-entropy per layer');
    assert.equal(stage.namedWeights().length, 8, 'each layer with its classifier');
    stage.dispose();
  });

  it('adopting shared parameters keeps what the replica learnt since it sent its own', () => {
    const stage = new StageModel({ network: config, first: 2, last: 2 }, createRng(5));
    const sent = stage.snapshot();
    trainStageBatch(stage, { ...batch(12, 10), features: Float32Array.from({ length: n * 10 }, () => 0.1) }, rates, false);
    const now = stage.snapshot();
    const shared = new Map([...sent].map(([name, v]) => [name, v.map((x) => x + 1)]));
    stage.adoptKeepingProgress(shared, sent);
    for (const [name, values] of stage.snapshot()) {
      const expected = now.get(name)!;
      values.forEach((v, j) => assert.ok(Math.abs(v - (expected[j]! + 1)) < 1e-5, `${name}[${j}]: ${v} vs ${expected[j]! + 1}`));
    }
    stage.dispose();
  });

  it('a replacement given the weights and optimizer state of a checkpoint trains on exactly as the original would', () => {
    const original = new StageModel({ network: config, first: 1, last: 2 }, createRng(5));
    for (let b = 0; b < 3; b++) trainStageBatch(original, batch(200 + b, 12), rates, false);
    const replacement = new StageModel({ network: config, first: 1, last: 2 }, createRng(99));
    const fresh = new StageModel({ network: config, first: 1, last: 2 }, createRng(99));
    const state = new Map(original.optimizerState().map((t) => [t.name, t.data as Float32Array]));
    assert.ok([...state.keys()].some((k) => k.endsWith('#slot1')), 'Adam\'s second moments are part of the state');
    for (const model of [replacement, fresh]) model.load(original.snapshot());
    assert.equal(replacement.loadOptimizerState(state), true, 'the whole state fits');
    assert.equal(fresh.loadOptimizerState(new Map([...state].slice(1))), false, 'a partial state is refused and changes nothing');
    for (const model of [original, replacement, fresh]) trainStageBatch(model, batch(300, 12), rates, false);
    assert.deepEqual(weightsOf(replacement), weightsOf(original), 'the next step is the same step');
    assert.notDeepEqual(weightsOf(fresh), weightsOf(original), 'without the optimizer state it is not');
    [original, replacement, fresh].forEach((m) => m.dispose());
  });
});
