import * as tf from '@tensorflow/tfjs-core';
import type { LayerStats } from '@pff/contracts';
import type { StageModel } from './stage-model.js';

/**
 * One batch as a stage receives it, row-major. For the FF objective `negative` holds
 * the same samples with wrong labels; `neutral` (Softmax head) the neutral-label
 * stream; `features` the reading layers' neutral outputs from earlier stages.
 */
export interface StageInput {
  readonly rows: number;
  readonly labels: Uint8Array;
  readonly positive: Float32Array;
  readonly negative: Float32Array | null;
  readonly neutral: Float32Array | null;
  readonly features: Float32Array | null;
}

export interface StageOutput {
  /** What the next stage receives (labels are unchanged); meaningless after the last stage. */
  readonly next: StageInput;
  readonly layers: LayerStats[];
  /** The softmax head's loss, when this stage holds the head. */
  readonly headLoss?: number;
  /** The head's logits on the neutral stream before its update (rows x classes), when asked. */
  readonly scores?: Float32Array;
}

export interface StageRates {
  readonly learningRate: number;
  readonly headLearningRate: number;
}

/**
 * Trains every layer of the stage on one batch, each on what the layer below passed on
 * (its normalised activations computed before its update, as in the sequential
 * schedule), then the head on the accumulated neutral features.
 */
export function trainStageBatch(model: StageModel, input: StageInput, rates: StageRates, wantScores: boolean): StageOutput {
  const n = input.rows;
  let { positive, negative, neutral, features } = input;
  const layers: LayerStats[] = [];
  const labelTensor = (): tf.Tensor1D => tf.tensor1d(Int32Array.from(input.labels), 'int32');
  model.layerIndices.forEach((layerIndex, k) => {
    const width = model.layout.network.layers[layerIndex]!;
    const inWidth = positive.length / n;
    const ffLayer = model.ffLayers[k];
    if (ffLayer) {
      if (neutral) {
        const x = neutral;
        const out = tf.tidy(() => ffLayer.forward(tf.tensor2d(x, [n, inWidth])));
        neutral = out.dataSync() as Float32Array;
        out.dispose();
        if (model.readingLayers.has(layerIndex)) features = appendColumns(features, neutral, n);
      }
      const both = new Float32Array(2 * n * inWidth);
      both.set(positive, 0);
      both.set(negative!, n * inWidth);
      const x = tf.tensor2d(both, [2 * n, inWidth]);
      const result = ffLayer.trainStep(x, n, rates.learningRate);
      const rows = result.output.dataSync() as Float32Array;
      tf.dispose([x, result.output]);
      positive = rows.subarray(0, n * width);
      negative = rows.subarray(n * width);
      layers.push({ layer: layerIndex, loss: result.loss, goodnessPositive: result.goodnessPositive, goodnessNegative: result.goodnessNegative });
      return;
    }
    const local = model.localLayers[k]!;
    const x = tf.tensor2d(positive, [n, inWidth]);
    const labels = labelTensor();
    const result = local.trainStep(x, labels, rates.learningRate);
    positive = result.output.dataSync() as Float32Array;
    tf.dispose([x, labels, result.output]);
    layers.push({ layer: layerIndex, loss: result.loss, goodnessPositive: 0, goodnessNegative: 0 });
  });

  const next: StageInput = { rows: n, labels: input.labels, positive, negative, neutral, features };
  if (!model.head || !features) return { next, layers };
  const x = tf.tensor2d(features, [n, features.length / n]);
  const labels = labelTensor();
  const { loss, logits } = model.head.trainStep(x, labels, rates.headLearningRate);
  const scores = wantScores ? (logits.dataSync() as Float32Array) : undefined;
  tf.dispose([x, labels, logits]);
  return { next, layers, headLoss: loss, ...(scores ? { scores } : {}) };
}

/** [n, a] and [n, b] side by side as [n, a + b]. */
function appendColumns(left: Float32Array | null, right: Float32Array, n: number): Float32Array {
  if (!left || left.length === 0) return right;
  const a = left.length / n;
  const b = right.length / n;
  const out = new Float32Array(n * (a + b));
  for (let r = 0; r < n; r++) {
    out.set(left.subarray(r * a, (r + 1) * a), r * (a + b));
    out.set(right.subarray(r * b, (r + 1) * b), r * (a + b) + a);
  }
  return out;
}
