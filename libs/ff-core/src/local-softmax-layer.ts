import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import { softmaxCrossEntropy } from './cross-entropy.js';
import { reluColumns, reluRows } from './dense.js';
import { initBias, initWeights } from './init.js';
import { LABEL_SLOTS } from './labels.js';
import { normalize, normalizedSquaredLength, type NormKind } from './normalize.js';
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
 * The paper's Performance-Optimized layer: h = relu(norm(x) Wᵀ + b) feeds its own
 * softmax classifier, and the cross-entropy trains the layer and its classifier
 * only. No negative data; nothing flows back to the layer below.
 */
export class LocalSoftmaxLayer {
  readonly weights: tf.Variable;
  readonly bias: tf.Variable;
  readonly classifierWeights: tf.Variable;
  readonly classifierBias: tf.Variable;
  /** Its optimizer, whose state a checkpoint of the layer includes. */
  readonly optimizer: ParamOptimizer;

  constructor(
    readonly options: LocalSoftmaxLayerOptions,
    rng: Rng,
  ) {
    this.weights = initWeights(options.outputSize, options.inputSize, rng, normalizedSquaredLength(options.norm, options.inputSize));
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
    return tf.tidy(() => reluRows(this.weights, this.bias, normalize(x, this.options.norm)));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => normalize(this.activations(x), this.options.norm));
  }

  /** The classifier's logits for this layer's activations `h` (from `activations`). */
  logits(h: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(h, this.classifierWeights), this.classifierBias));
  }

  trainStep(x: tf.Tensor2D, labels: tf.Tensor1D, learningRate: number): LocalStepResult {
    const [output, loss] = tf.tidy(() => {
      // Column layout ([units, rows]) with the changing weights as left operands (dense.ts);
      // explicit transposes, since the wasm backend's transposed matMul is the slow path.
      const xn = normalize(x, this.options.norm);
      const hT = reluColumns(this.weights, this.bias, tf.transpose(xn));
      const h = tf.transpose(hT) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(h, this.classifierWeights), this.classifierBias) as tf.Tensor2D;
      const { loss, dLogits } = softmaxCrossEntropy(logits, labels);
      const dClassifierWeights = tf.matMul(hT, dLogits);
      const dClassifierBias = tf.sum(dLogits, 0);
      const dzT = tf.mul(tf.matMul(this.classifierWeights, tf.transpose(dLogits)), tf.step(hT));
      const dWeights = tf.matMul(dzT, xn);
      this.optimizer.apply([dWeights, tf.sum(dzT, 1), dClassifierWeights, dClassifierBias], learningRate);
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
