import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@pff/datasets';
import type { FFNetwork } from '@pff/ff-core';
import { gatherRows, scatterRows } from './batch-input.js';

/**
 * One step of the softmax head on the stored neutral-pass features of the reading
 * layers; with `scores`, keeps its logits per sample (the adaptive negatives' source).
 */
export function trainHeadBatch(
  network: FFNetwork,
  train: Dataset,
  features: readonly Float32Array[],
  indices: Uint32Array,
  lr: number,
  scores: Float32Array | null,
): number {
  const head = network.head!;
  const n = indices.length;
  const parts = features.map((f) => {
    const width = f.length / train.count;
    const rows = new Float32Array(n * width);
    gatherRows(rows, 0, f, width, indices);
    return tf.tensor2d(rows, [n, width]);
  });
  const x = tf.concat(parts, 1);
  const labels = tf.tensor1d(Int32Array.from(indices, (s) => train.labels[s]!), 'int32');
  const { loss, logits } = head.trainStep(x, labels, lr);
  if (scores) scatterRows(scores, train.classes, indices, logits.dataSync() as Float32Array, 0);
  tf.dispose([...parts, x, labels, logits]);
  return loss;
}

