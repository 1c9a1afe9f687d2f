import {
  encodeMessage,
  MessageError,
  tensorOf,
  type ActivationBatchHeader,
  type Decoded,
  type NamedTensor,
} from '@pff/contracts';
import { writeLabel, LABEL_SLOTS } from '@pff/ff-core';
import type { StageModel } from './stage-model.js';
import type { StageInput } from './stage-step.js';

/** What a stage needs to know to read its batches. */
export interface BatchContext {
  readonly model: StageModel;
  readonly maxRows: number;
  readonly labelScale: number;
}

/**
 * Checks an activation batch against the stage that received it and turns it into the
 * stage's input; the first stage writes the labels into the images itself (positive:
 * true label, negative: the scheduler's wrong label, neutral: 0.1 everywhere).
 * Throws MessageError naming what does not fit.
 */
export function readStageInput(decoded: Decoded<ActivationBatchHeader>, ctx: BatchContext): StageInput {
  const { model } = ctx;
  const network = model.layout.network;
  // The labels say how many rows the batch has; every other tensor must agree.
  const labelsTensor = decoded.tensors.get('labels');
  if (!labelsTensor) throw new MessageError('batch: tensor labels is missing');
  const n = labelsTensor.shape[0]!;
  if (n < 1 || n > ctx.maxRows) throw new MessageError(`batch: ${n} rows, expected 1 to ${ctx.maxRows}`);
  const labels = checkLabels(tensorOf(decoded, 'labels', [n], 'uint8'), 'labels');
  tensorOf(decoded, 'indices', [n], 'int32');
  const ff = network.objective === 'ff';
  const wantsNeutral = model.readingLayers.size > 0;
  const width = model.inputWidth;
  if (model.layout.first === 0) {
    const images = tensorOf(decoded, 'images', [n, width], 'float32');
    const negativeLabels = ff ? checkLabels(tensorOf(decoded, 'negativeLabels', [n], 'uint8'), 'negativeLabels') : null;
    return {
      rows: n,
      labels,
      // The local-softmax objective sees neutral-labelled inputs, like the sequential trainer.
      positive: labelled(images, n, width, ctx.labelScale, (r) => (ff ? labels[r]! : null)),
      negative: negativeLabels ? labelled(images, n, width, ctx.labelScale, (r) => negativeLabels[r]!) : null,
      neutral: ff && wantsNeutral ? labelled(images, n, width, ctx.labelScale, () => null) : null,
      features: null,
    };
  }
  const featureWidth = network.layers.slice(0, model.layout.first).reduce((sum, w, i) => (model.readingLayers.has(i) ? sum + w : sum), 0);
  return {
    rows: n,
    labels,
    positive: tensorOf(decoded, 'positive', [n, width], 'float32'),
    negative: ff ? tensorOf(decoded, 'negative', [n, width], 'float32') : null,
    neutral: ff && wantsNeutral ? tensorOf(decoded, 'neutral', [n, width], 'float32') : null,
    features: ff && wantsNeutral && featureWidth > 0 ? tensorOf(decoded, 'features', [n, featureWidth], 'float32') : null,
  };
}

/** The batch for the next stage: same identity, this stage's outputs. */
export function encodeNextBatch(header: ActivationBatchHeader, input: StageInput, indices: Int32Array): Uint8Array {
  const n = input.rows;
  const tensors: NamedTensor[] = [
    { name: 'labels', shape: [n], data: input.labels },
    { name: 'indices', shape: [n], data: indices },
    { name: 'positive', shape: [n, input.positive.length / n], data: input.positive },
  ];
  if (input.negative) tensors.push({ name: 'negative', shape: [n, input.negative.length / n], data: input.negative });
  if (input.neutral) tensors.push({ name: 'neutral', shape: [n, input.neutral.length / n], data: input.neutral });
  if (input.features) tensors.push({ name: 'features', shape: [n, input.features.length / n], data: input.features });
  return encodeMessage({ ...header, stage: header.stage + 1 }, tensors);
}

function checkLabels(labels: Uint8Array, name: string): Uint8Array {
  for (const label of labels) if (label >= LABEL_SLOTS) throw new MessageError(`batch: ${name} holds ${label}, not a class`);
  return labels;
}

function labelled(images: Float32Array, n: number, width: number, scale: number, labelOf: (row: number) => number | null): Float32Array {
  const out = images.slice(0, n * width);
  for (let r = 0; r < n; r++) writeLabel(out, r * width, labelOf(r), scale);
  return out;
}
