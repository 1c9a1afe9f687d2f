import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import { softmaxCrossEntropy } from './cross-entropy.js';
import { initBias, initWeights } from './init.js';
import { LABEL_SLOTS } from './labels.js';
import { normalize, type NormKind } from './normalize.js';
import { createOptimizer, type OptimizerOptions, type ParamOptimizer } from './optimizer.js';

export interface LocalSoftmaxLayerOptions {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly norm: NormKind;
  readonly optimizer: OptimizerOptions;
}

export interface LocalStepResult {
  /** norm(h) before this step's update: the next layer's input. Caller disposes. */
  readonly output: tf.Tensor2D;
  readonly loss: number;
}

/**
 * The paper's Performance-Optimized layer: h = relu(norm(x) W + b) feeds its own
 * softmax classifier, and the cross-entropy trains the layer and its classifier
 * only. No negative data; nothing flows back to the layer below.
 */
export class LocalSoftmaxLayer {
  readonly weights: tf.Variable;
  readonly bias: tf.Variable;
  readonly classifierWeights: tf.Variable;
  readonly classifierBias: tf.Variable;
  private readonly optimizer: ParamOptimizer;

  constructor(
    readonly options: LocalSoftmaxLayerOptions,
    rng: Rng,
  ) {
    this.weights = initWeights(options.inputSize, options.outputSize, rng);
    this.bias = initBias(options.outputSize);
    this.classifierWeights = initWeights(options.outputSize, LABEL_SLOTS, rng);
    this.classifierBias = initBias(LABEL_SLOTS);
    this.optimizer = createOptimizer(
      [this.weights, this.bias, this.classifierWeights, this.classifierBias],
      [true, false, true, false],
      options.optimizer,
    );
  }

  activations(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.relu(tf.add(tf.matMul(normalize(x, this.options.norm), this.weights), this.bias)) as tf.Tensor2D);
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => normalize(this.activations(x), this.options.norm));
  }

  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(this.activations(x), this.classifierWeights), this.classifierBias));
  }

  trainStep(x: tf.Tensor2D, labels: tf.Tensor1D, learningRate: number): LocalStepResult {
    const [output, loss] = tf.tidy(() => {
      const xn = normalize(x, this.options.norm);
      const h = tf.relu(tf.add(tf.matMul(xn, this.weights), this.bias)) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(h, this.classifierWeights), this.classifierBias) as tf.Tensor2D;
      const { loss, dLogits } = softmaxCrossEntropy(logits, labels);
      const dClassifierWeights = tf.matMul(tf.transpose(h), dLogits);
      const dClassifierBias = tf.sum(dLogits, 0);
      // Explicit transposes: the wasm backend's transposed matMul is the slow path.
      const dh = tf.matMul(dLogits, tf.transpose(this.classifierWeights));
      const dz = tf.mul(dh, tf.step(h));
      const dWeights = tf.matMul(tf.transpose(xn), dz);
      this.optimizer.apply([dWeights, tf.sum(dz, 0), dClassifierWeights, dClassifierBias], learningRate);
      return [normalize(h, this.options.norm), loss] as const;
    });
    const value = loss.dataSync()[0] ?? NaN;
    loss.dispose();
    return { output, loss: value };
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose([this.weights, this.bias, this.classifierWeights, this.classifierBias]);
  }
}
