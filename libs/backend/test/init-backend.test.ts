import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';

test('auto falls back to wasm when tfjs-node is absent, and computes', async () => {
  const info = await initBackend('auto');
  assert.ok(['tensorflow', 'wasm'].includes(info.name), info.name);
  assert.equal(tf.getBackend(), info.name);
  const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
  assert.deepEqual(Array.from(product.dataSync()), [11]);
});

test('cpu can be chosen explicitly', async () => {
  const info = await initBackend('cpu');
  assert.equal(info.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('tensorflow fails clearly when the native binding is missing', async (t) => {
  const native = await import('@tensorflow/tfjs-node' as string).then(
    () => true,
    () => false,
  );
  if (native) {
    t.skip('tfjs-node is installed here');
    return;
  }
  await assert.rejects(initBackend('tensorflow'), /needs @tensorflow\/tfjs-node/);
});
