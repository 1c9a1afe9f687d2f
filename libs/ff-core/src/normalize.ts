import * as tf from '@tensorflow/tfjs-core';

export type NormKind = 'l2' | 'rms';

export const NORM_EPSILON = 1e-8;

/**
 * Divides each row by its length (L2) or root-mean-square (RMS), so only the
 * direction of a layer's activity passes to the next layer: its goodness cannot leak.
 */
export function normalize(x: tf.Tensor2D, kind: NormKind): tf.Tensor2D {
  return tf.tidy(() => {
    const squares = tf.sum(tf.square(x), 1, true);
    const scale = kind === 'rms' ? tf.div(squares, x.shape[1]) : squares;
    return tf.div(x, tf.add(tf.sqrt(scale), NORM_EPSILON));
  });
}

/**
 * The squared length of a normalised input row: its width for RMS, 1 for L2. Weights
 * drawn with this as fan-in give pre-activations of unit variance under either norm.
 */
export function normalizedSquaredLength(kind: NormKind, width: number): number {
  return kind === 'rms' ? width : 1;
}
