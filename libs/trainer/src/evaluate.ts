import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@pff/datasets';
import type { FFNetwork } from '@pff/ff-core';

const EVAL_BATCH = 1000;

/** Scores rows [start, start + rows) of `data` into `out`. */
function scoreRows(network: FFNetwork, data: Dataset, start: number, rows: number, out: Float32Array): void {
  const scores = tf.tidy(() => {
    const x = tf.tensor2d(data.images.subarray(start * data.inputSize, (start + rows) * data.inputSize), [rows, data.inputSize]);
    return network.scores(x);
  });
  out.set(scores.dataSync(), start * data.classes);
  scores.dispose();
}

/** The network's class scores for every sample of `data` (count x classes, row-major). */
export function scoreDataset(network: FFNetwork, data: Dataset, batchSize = EVAL_BATCH): Float32Array {
  const out = new Float32Array(data.count * data.classes);
  for (let start = 0; start < data.count; start += batchSize) scoreRows(network, data, start, Math.min(batchSize, data.count - start), out);
  return out;
}

/**
 * scoreDataset for a process that serves others meanwhile (the scheduler: events, the
 * REST API under `pff serve`): the same scores, in the same batches, with the event loop
 * free between batches, so no stall is longer than one batch.
 */
export async function scoreDatasetInSlices(network: FFNetwork, data: Dataset, batchSize = EVAL_BATCH): Promise<Float32Array> {
  const out = new Float32Array(data.count * data.classes);
  for (let start = 0; start < data.count; start += batchSize) {
    scoreRows(network, data, start, Math.min(batchSize, data.count - start), out);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Fraction of rows whose highest score is at the true label. */
export function accuracyOf(scores: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (scores[i * classes + k]! > scores[i * classes + best]!) best = k;
    if (best === labels[i]) correct++;
  }
  return labels.length === 0 ? 0 : correct / labels.length;
}

export function evaluate(network: FFNetwork, data: Dataset): number {
  return accuracyOf(scoreDataset(network, data), data.labels, data.classes);
}
