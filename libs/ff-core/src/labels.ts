import * as tf from '@tensorflow/tfjs-core';

/** Number of classes, and of leading inputs that carry the label. */
export const LABEL_SLOTS = 10;
/** The value written into every label slot for the neutral label. */
export const NEUTRAL_LABEL_VALUE = 0.1;

/**
 * Writes a one-hot label of height `scale` (the data's maximum, so the label is as
 * loud as the brightest pixel) into the first 10 inputs of `row`, or the neutral
 * label when `label` is null.
 */
export function writeLabel(target: Float32Array, offset: number, label: number | null, scale: number): void {
  for (let k = 0; k < LABEL_SLOTS; k++) {
    target[offset + k] = label === null ? NEUTRAL_LABEL_VALUE : k === label ? scale : 0;
  }
}

/** The tensor form of `writeLabel` for a batch: rows of `x` get label `label[i]`. */
export function embedLabels(x: tf.Tensor2D, labels: tf.Tensor1D, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const oneHot = tf.mul(tf.oneHot(tf.cast(labels, 'int32'), LABEL_SLOTS), scale);
    const rest = tf.slice(x, [0, LABEL_SLOTS], [-1, -1]);
    return tf.concat([oneHot, rest], 1) as tf.Tensor2D;
  });
}
