import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import { softmaxCrossEntropy } from './cross-entropy.js';
import { initBias, initWeights } from './init.js';
import { createOptimizer, type OptimizerOptions, type ParamOptimizer } from './optimizer.js';

/**
 * A linear softmax classifier. As the FF "Softmax" readout it sits on the normalised
 * activities of every layer but the first (neutral label in the input); as part of a
 * local-softmax layer it reads that layer's activities.
 */
export class SoftmaxHead {
  readonly weights: tf.Variable;
  readonly bias: tf.Variable;
  /** Its optimizer, whose state a checkpoint of the layer includes. */
  readonly optimizer: ParamOptimizer;

  constructor(
    readonly inputSize: number,
    readonly classes: number,
    optimizer: OptimizerOptions,
    rng: Rng,
  ) {
    this.weights = initWeights(inputSize, classes, rng);
    this.bias = initBias(classes);
    this.optimizer = createOptimizer([this.weights, this.bias], [true, false], optimizer);
  }

  logits(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(features, this.weights), this.bias));
  }

  /** One step of cross-entropy training; returns the loss and the logits before the update. */
  trainStep(features: tf.Tensor2D, labels: tf.Tensor1D, learningRate: number): { loss: number; logits: tf.Tensor2D } {
    const [loss, logits] = tf.tidy(() => {
      const logits = this.logits(features);
      const { loss, dLogits } = softmaxCrossEntropy(logits, labels);
      this.optimizer.apply([tf.matMul(tf.transpose(features), dLogits), tf.sum(dLogits, 0)], learningRate);
      return [loss, logits] as const;
    });
    const value = loss.dataSync()[0] ?? NaN;
    loss.dispose();
    return { loss: value, logits };
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose([this.weights, this.bias]);
  }
}
