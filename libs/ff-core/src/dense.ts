import * as tf from '@tensorflow/tfjs-core';

/**
 * relu(W xnᵀ + b) with W stored [out, in]: one column per input row. The weights are
 * the left operand because the wasm backend repacks its right operand whenever that
 * tensor is new, and weights are new after every step while a batch is narrow.
 */
export function reluColumns(weights: tf.Tensor, bias: tf.Tensor, xnT: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.relu(tf.add(tf.matMul(weights as tf.Tensor2D, xnT), tf.reshape(bias, [-1, 1]))) as tf.Tensor2D);
}

/** relu(xn Wᵀ + b), one row per input row. */
export function reluRows(weights: tf.Tensor, bias: tf.Tensor, xn: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(reluColumns(weights, bias, tf.transpose(xn))));
}
