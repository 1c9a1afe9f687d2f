import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { createRng } from '@pff/random';
import { FFLayer } from '@pff/ff-core';

// The fused kernels are registered for the cpu backend too: same results as the op path there.
before(async () => {
  await initBackend('cpu');
});

test('on the cpu backend the fused step matches the op-by-op step', () => {
  const options = {
    inputSize: 12,
    outputSize: 7,
    norm: 'l2',
    goodness: 'sum',
    threshold: 2,
    optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 },
    peerNormalization: 0,
  } as const;
  const fused = new FFLayer({ ...options, kernels: 'auto' }, createRng(3));
  const ops = new FFLayer({ ...options, kernels: 'ops' }, createRng(3));
  const x = tf.randomUniform([10, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
  for (let i = 0; i < 10; i++) {
    const a = fused.trainStep(x, 5, 0.01);
    const b = ops.trainStep(x, 5, 0.01);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${i}: ${a.loss} vs ${b.loss}`);
    tf.dispose([a.output, b.output]);
  }
  const diff = tf.max(tf.abs(tf.sub(fused.weights, ops.weights))).dataSync()[0]!;
  assert.ok(diff < 1e-5, `weights differ by ${diff}`);
  assert.equal(tf.getBackend(), 'cpu');
});
