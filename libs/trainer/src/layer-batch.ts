import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@pff/datasets';
import type { FFNetwork } from '@pff/ff-core';
import { gatherRows, scatterRows, writeImageRows } from './batch-input.js';

/** One layer's input for a chapter: per-sample rows, or null for the images themselves. */
export interface LayerInput {
  readonly positive: Float32Array | null;
  readonly negative: Float32Array | null;
  readonly neutral: Float32Array | null;
  readonly width: number;
}

/** What one layer step reports (goodness is 0 for the local-softmax objective). */
export interface BatchStats {
  readonly loss: number;
  readonly goodnessPositive: number;
  readonly goodnessNegative: number;
}

/** Where a layer stores, per sample, what it passes on to the next layer. */
export interface LayerOutput {
  readonly positive: Float32Array;
  readonly negative: Float32Array | null;
  readonly neutral: Float32Array | null;
}

/** Trains layer `k` on one batch; when `output` is given, stores what the layer passes on. */
export function trainLayerBatch(
  network: FFNetwork,
  k: number,
  train: Dataset,
  input: LayerInput,
  indices: Uint32Array,
  negativeLabels: Uint8Array | null,
  lr: number,
  output: LayerOutput | null,
): BatchStats {
  const n = indices.length;
  const width = network.config.layers[k]!;
  if (negativeLabels) {
    const x = new Float32Array(2 * n * input.width);
    fillRows(x, 0, train, input.positive, input.width, indices, (s) => train.labels[s]!);
    fillRows(x, n, train, input.negative, input.width, indices, (s) => negativeLabels[s]!);
    const xt = tf.tensor2d(x, [2 * n, input.width]);
    // The neutral stream goes first, through the same weights the step's outputs come from.
    if (output?.neutral) forwardNeutral(network, k, train, input, indices, output.neutral);
    const result = network.ffLayers[k]!.trainStep(xt, n, lr);
    if (output) {
      const rows = result.output.dataSync() as Float32Array;
      scatterRows(output.positive, width, indices, rows, 0);
      scatterRows(output.negative!, width, indices, rows, n);
    }
    tf.dispose([xt, result.output]);
    return { loss: result.loss, goodnessPositive: result.goodnessPositive, goodnessNegative: result.goodnessNegative };
  }
  // Local-softmax objective: one neutral-label stream, trained against the true labels.
  const x = new Float32Array(n * input.width);
  fillRows(x, 0, train, input.positive, input.width, indices, () => null);
  const xt = tf.tensor2d(x, [n, input.width]);
  const labels = tf.tensor1d(Int32Array.from(indices, (s) => train.labels[s]!), 'int32');
  const result = network.localLayers[k]!.trainStep(xt, labels, lr);
  if (output) scatterRows(output.positive, width, indices, result.output.dataSync() as Float32Array, 0);
  tf.dispose([xt, labels, result.output]);
  return { loss: result.loss, goodnessPositive: 0, goodnessNegative: 0 };
}

function forwardNeutral(network: FFNetwork, k: number, train: Dataset, input: LayerInput, indices: Uint32Array, out: Float32Array): void {
  const x = new Float32Array(indices.length * input.width);
  fillRows(x, 0, train, input.neutral, input.width, indices, () => null);
  const y = tf.tidy(() => network.ffLayers[k]!.forward(tf.tensor2d(x, [indices.length, input.width])));
  scatterRows(out, network.config.layers[k]!, indices, y.dataSync() as Float32Array, 0);
  y.dispose();
}

/** Rows from the stored outputs of the layer below, or from the images with a label. */
function fillRows(
  target: Float32Array,
  firstRow: number,
  train: Dataset,
  stored: Float32Array | null,
  width: number,
  indices: Uint32Array,
  labelOf: (sample: number) => number | null,
): void {
  if (stored) gatherRows(target, firstRow, stored, width, indices);
  else writeImageRows(target, firstRow, train, indices, labelOf);
}

