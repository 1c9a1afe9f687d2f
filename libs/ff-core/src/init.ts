import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';

/**
 * Weights drawn from N(0, 1/fanIn) by our own seeded generator, so a seed gives the
 * same network on every backend. Biases start at zero. `fanIn` defaults to `rows`
 * (an [in, out] matrix); FF layers store [out, in] and pass the squared length of
 * their normalised input (see normalizedSquaredLength).
 */
export function initWeights(rows: number, cols: number, rng: Rng, fanIn = rows): tf.Variable {
  const values = new Float32Array(rows * cols);
  const std = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
  return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols]), false));
}

export function initBias(size: number): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros([size]), false));
}
