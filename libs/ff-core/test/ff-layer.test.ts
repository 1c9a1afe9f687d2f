import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from '@pff/backend';
import { createRng } from '@pff/random';
import { FFLayer, LocalSoftmaxLayer, SoftmaxHead, ffLoss, goodness, normalize, softmaxCrossEntropy } from '@pff/ff-core';
import type { FFLayerOptions, GoodnessKind, NormKind } from '@pff/ff-core';

before(async () => {
  await initBackend('wasm');
});

const plainSgd = { kind: 'sgd', momentum: 0, weightDecay: 0 } as const;

function layerOptions(norm: NormKind, kind: GoodnessKind): FFLayerOptions {
  return { inputSize: 6, outputSize: 5, norm, goodness: kind, threshold: 1.5, optimizer: plainSgd, peerNormalization: 0 };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** With a message always: a bare failing assert.ok makes node re-parse the source, which takes minutes under tsx. */
function assertClose(a: tf.Tensor, b: tf.Tensor, tol: number, what: string): void {
  const diff = maxAbsDiff(a, b);
  assert.ok(diff < tol, `${what}: max difference ${diff} >= ${tol}`);
}

for (const kernels of ['auto', 'ops'] as const) for (const norm of ['l2', 'rms'] as const) {
  for (const kind of ['sum', 'mean'] as const) {
    test(`FF step gradient (${kernels} kernels, ${norm}, ${kind}) equals autodiff of the FF loss`, () => {
      const layer = new FFLayer({ ...layerOptions(norm, kind), kernels }, createRng(1));
      const x = tf.randomNormal([8, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
      const w0 = layer.weights.clone();
      const b0 = layer.bias.clone();
      const lossOf = (w: tf.Tensor, b: tf.Tensor): tf.Scalar => {
        // The layer stores W as [out, in].
        const h = tf.relu(tf.add(tf.matMul(normalize(x, norm), w, false, true), b)) as tf.Tensor2D;
        return ffLoss(goodness(h, kind), 4, 1.5).loss;
      };
      const [dW, dB] = tf.grads((w: tf.Tensor, b: tf.Tensor) => lossOf(w, b))([w0, b0]);
      const expectedLoss = lossOf(w0, b0).dataSync()[0]!;
      // SGD without momentum and a rate of 1: the update is exactly minus the gradient.
      const result = layer.trainStep(x, 4, 1);
      assert.ok(Math.abs(result.loss - expectedLoss) < 1e-5, `loss ${result.loss} != ${expectedLoss}`);
      assertClose(tf.sub(w0, layer.weights), dW!, 1e-5, 'weight gradient');
      assertClose(tf.sub(b0, layer.bias), dB!, 1e-5, 'bias gradient');
      // The output is norm(h) under the weights before the update.
      const expectedOutput = normalize(tf.relu(tf.add(tf.matMul(normalize(x, norm), w0, false, true), b0)) as tf.Tensor2D, norm);
      assertClose(result.output, expectedOutput, 1e-6, 'output');
      layer.dispose();
    });
  }
}

test('local-softmax step gradient equals autodiff through the layer and its classifier', () => {
  const layer = new LocalSoftmaxLayer({ inputSize: 6, outputSize: 5, norm: 'rms', optimizer: plainSgd }, createRng(2));
  const x = tf.randomNormal([8, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 9], 'int32');
  const before = [layer.weights, layer.bias, layer.classifierWeights, layer.classifierBias].map((v) => v.clone());
  const grads = tf.grads((w: tf.Tensor, b: tf.Tensor, cw: tf.Tensor, cb: tf.Tensor) => {
    const h = tf.relu(tf.add(tf.matMul(normalize(x, 'rms'), w, false, true), b)); // W is [out, in]
    return softmaxCrossEntropy(tf.add(tf.matMul(h, cw), cb) as tf.Tensor2D, labels).loss;
  })(before);
  layer.trainStep(x, labels, 1);
  const after = [layer.weights, layer.bias, layer.classifierWeights, layer.classifierBias];
  after.forEach((v, i) => assertClose(tf.sub(before[i]!, v), grads[i]!, 1e-5, `param ${i}`));
  layer.dispose();
});

test('softmax head gradient equals autodiff of the cross-entropy', () => {
  const head = new SoftmaxHead(7, 10, plainSgd, createRng(3));
  const features = tf.randomNormal([5, 7], 0, 1, 'float32', 5) as tf.Tensor2D;
  const labels = tf.tensor1d([1, 3, 5, 7, 9], 'int32');
  const before = [head.weights.clone(), head.bias.clone()];
  const grads = tf.grads((w: tf.Tensor, b: tf.Tensor) =>
    softmaxCrossEntropy(tf.add(tf.matMul(features, w), b) as tf.Tensor2D, labels).loss,
  )(before);
  head.trainStep(features, labels, 1).logits.dispose();
  [head.weights, head.bias].forEach((v, i) => assertClose(tf.sub(before[i]!, v), grads[i]!, 1e-5, `param ${i}`));
  head.dispose();
});

test('Adam takes a first step of lr * sign(gradient)', () => {
  const layer = new FFLayer(
    { ...layerOptions('l2', 'sum'), optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 } },
    createRng(4),
  );
  const x = tf.randomNormal([8, 6], 0, 1, 'float32', 6) as tf.Tensor2D;
  const w0 = layer.weights.clone();
  const probe = new FFLayer(layerOptions('l2', 'sum'), createRng(4));
  probe.trainStep(x, 4, 1).output.dispose();
  const gradient = tf.sub(w0, probe.weights);
  layer.trainStep(x, 4, 0.01).output.dispose();
  const step = tf.sub(w0, layer.weights);
  // m_hat = g, v_hat = g^2 after one step: the update is lr * g / (|g| + eps_hat), with
  // eps_hat = eps / sqrt(1 - beta2) in the fused form of Kingma & Ba (section 2).
  const expected = tf.mul(tf.div(gradient, tf.add(tf.abs(gradient), 1e-8 / Math.sqrt(0.001))), 0.01);
  assertClose(step, expected, 1e-6, 'first Adam step');
  layer.dispose();
  probe.dispose();
});

test('training lowers the loss and separates goodness of positives from negatives', () => {
  const layer = new FFLayer({ ...layerOptions('rms', 'mean'), optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 } }, createRng(5));
  // Positives and negatives differ in which half of the input carries the signal.
  const pos = tf.concat([tf.ones([16, 3]), tf.zeros([16, 3])], 1);
  const neg = tf.concat([tf.zeros([16, 3]), tf.ones([16, 3])], 1);
  const x = tf.add(tf.concat([pos, neg], 0), tf.randomUniform([32, 6], 0, 0.1, 'float32', 9)) as tf.Tensor2D;
  const first = layer.trainStep(x, 16, 0.05);
  first.output.dispose();
  let last = first;
  for (let i = 0; i < 200; i++) {
    last.output.dispose();
    last = layer.trainStep(x, 16, 0.05);
  }
  last.output.dispose();
  assert.ok(last.loss < first.loss / 4, `${first.loss} -> ${last.loss}`);
  assert.ok(last.goodnessPositive > 1.5 && last.goodnessNegative < 1.5, `goodness ${last.goodnessPositive} / ${last.goodnessNegative}`);
  layer.dispose();
});

test('weight decay and peer normalisation change the update; no tensor leaks over many steps', () => {
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 7) as tf.Tensor2D;
  const plain = new FFLayer(layerOptions('rms', 'mean'), createRng(6));
  const decayed = new FFLayer({ ...layerOptions('rms', 'mean'), optimizer: { ...plainSgd, weightDecay: 0.1 } }, createRng(6));
  const peer = new FFLayer({ ...layerOptions('rms', 'mean'), peerNormalization: 0.5 }, createRng(6));
  for (const layer of [plain, decayed, peer]) layer.trainStep(x, 8, 0.1).output.dispose();
  assert.ok(maxAbsDiff(plain.weights, decayed.weights) > 1e-6, 'weight decay had no effect');
  assert.ok(maxAbsDiff(plain.bias, peer.bias) > 1e-7, 'peer normalisation had no effect');
  const baseline = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) for (const layer of [plain, decayed, peer]) layer.trainStep(x, 8, 0.1).output.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  for (const layer of [plain, decayed, peer]) layer.dispose();
});

test('the fused kernels and the op-by-op path train the same layer to the same weights', () => {
  const adam = { kind: 'adam', momentum: 0, weightDecay: 0.01 } as const;
  const options = { ...layerOptions('rms', 'mean'), inputSize: 30, outputSize: 20 };
  const fused = new FFLayer({ ...options, optimizer: adam, kernels: 'auto' }, createRng(8));
  const ops = new FFLayer({ ...options, optimizer: adam, kernels: 'ops' }, createRng(8));
  const x = tf.randomUniform([24, 30], 0, 1, 'float32', 8) as tf.Tensor2D;
  for (let i = 0; i < 20; i++) {
    const a = fused.trainStep(x, 12, 0.01);
    const b = ops.trainStep(x, 12, 0.01);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-4, `step ${i}: loss ${a.loss} vs ${b.loss}`);
    assert.ok(Math.abs(a.goodnessNegative - b.goodnessNegative) < 1e-4, `step ${i}: goodness`);
    assertClose(a.output, b.output, 1e-4, `step ${i} output`);
    tf.dispose([a.output, b.output]);
  }
  assertClose(fused.weights, ops.weights, 1e-4, 'weights after 20 steps');
  assertClose(fused.bias, ops.bias, 1e-4, 'bias after 20 steps');
  fused.dispose();
  ops.dispose();
});
