import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import { ffLoss, goodness, goodnessGradFactor, type GoodnessKind } from './goodness.js';
import { initBias, initWeights } from './init.js';
import { normalize, normalizedSquaredLength, NORM_EPSILON, type NormKind } from './normalize.js';
import { reluRows } from './dense.js';
import { FF_TAIL_KERNEL } from './kernels/ff-tail-kernel.js';
import { NORMALIZE_KERNEL } from './kernels/normalize-kernel.js';
import { runTypedKernel, typedKernelsAvailable } from './kernels/typed-kernel.js';
import { createOptimizer, type OptimizerOptions, type ParamOptimizer } from './optimizer.js';

export interface FFLayerOptions {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly norm: NormKind;
  readonly goodness: GoodnessKind;
  readonly threshold: number;
  readonly optimizer: OptimizerOptions;
  /** Weight of Hinton's peer normalisation (0 = off). */
  readonly peerNormalization: number;
  /**
   * 'auto' (default): on the wasm and cpu backends, the element-wise work of a step runs
   * as two fused loops (kernels/) instead of ~60 small ops. 'ops': always op by op.
   */
  readonly kernels?: 'auto' | 'ops';
}

/** What one training step reports; `output` is owned by the caller, who must dispose it. */
export interface FFStepResult {
  /** norm(h) of every row, computed before this step's update: the next layer's input. */
  readonly output: tf.Tensor2D;
  readonly loss: number;
  readonly goodnessPositive: number;
  readonly goodnessNegative: number;
}

/** Running mean activity per unit decays with this factor (Hinton's 0.9). */
const PEER_DECAY = 0.9;

/**
 * One Forward-Forward layer, h = relu(norm(x) Wᵀ + b), trained by its local loss only.
 *
 * The gradient is written out by hand instead of taken by `tf.grad`: autodiff of
 * `matMul` asks for transposed matMuls, which the wasm backend runs about 12x slower
 * than an explicit `transpose` followed by a plain `matMul`. The weights are stored
 * [out, in] (as in PyTorch) and multiplied as the left operand (see dense.ts).
 */
export class FFLayer {
  readonly weights: tf.Variable;
  readonly bias: tf.Variable;
  /** Its optimizer, whose state a checkpoint of the layer includes. */
  readonly optimizer: ParamOptimizer;
  private readonly meanActivity: tf.Variable | null;

  constructor(
    readonly options: FFLayerOptions,
    rng: Rng,
  ) {
    this.weights = initWeights(options.outputSize, options.inputSize, rng, normalizedSquaredLength(options.norm, options.inputSize));
    this.bias = initBias(options.outputSize);
    this.optimizer = createOptimizer([this.weights, this.bias], [true, false], options.optimizer);
    this.meanActivity =
      options.peerNormalization > 0 ? tf.tidy(() => tf.variable(tf.zeros([options.outputSize]), false)) : null;
  }

  /** relu(norm(x) Wᵀ + b) for a batch of inputs, one row each. */
  activations(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => reluRows(this.weights, this.bias, normalize(x, this.options.norm)));
  }

  /** The input the next layer sees. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => normalize(this.activations(x), this.options.norm));
  }

  goodness(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => goodness(this.activations(x), this.options.goodness));
  }

  /**
   * One step on a batch whose first `positives` rows are positive data and the rest
   * negative data.
   */
  trainStep(x: tf.Tensor2D, positives: number, learningRate: number): FFStepResult {
    const fused = this.options.kernels !== 'ops' && this.meanActivity === null && typedKernelsAvailable();
    const [output, scalars] = fused ? this.fusedStep(x, positives, learningRate) : this.opsStep(x, positives, learningRate);
    // One read-back per step: each is a synchronisation with the backend.
    const [lossValue, gPosValue, gNegValue] = scalars.dataSync();
    scalars.dispose();
    return { output, loss: lossValue!, goodnessPositive: gPosValue!, goodnessNegative: gNegValue! };
  }

  /** The step as two fused loops and two matMuls (wasm and cpu backends). */
  private fusedStep(x: tf.Tensor2D, positives: number, learningRate: number): [tf.Tensor2D, tf.Tensor1D] {
    const { norm, goodness: kind, threshold } = this.options;
    return tf.tidy(() => {
      const [xn, xnT] = runTypedKernel(NORMALIZE_KERNEL, [x], { rms: norm === 'rms' ? 1 : 0, epsilon: NORM_EPSILON });
      const zT = tf.matMul(this.weights, xnT as tf.Tensor2D);
      const [dzT, dBias, output, stats] = runTypedKernel(FF_TAIL_KERNEL, [zT, this.bias], {
        positives,
        threshold,
        sumGoodness: kind === 'sum' ? 1 : 0,
        rms: norm === 'rms' ? 1 : 0,
        epsilon: NORM_EPSILON,
      });
      this.optimizer.apply([tf.matMul(dzT as tf.Tensor2D, xn as tf.Tensor2D), dBias!], learningRate);
      return [output as tf.Tensor2D, stats as tf.Tensor1D];
    });
  }

  /** The same step op by op: any backend, and peer normalisation. */
  private opsStep(x: tf.Tensor2D, positives: number, learningRate: number): [tf.Tensor2D, tf.Tensor1D] {
    const { norm, threshold, outputSize } = this.options;
    return tf.tidy(() => {
      const xn = normalize(x, norm);
      const h = reluRows(this.weights, this.bias, xn);
      const g = goodness(h, this.options.goodness);
      const { loss, dLossDGoodness } = ffLoss(g, positives, threshold);
      const factor = goodnessGradFactor(this.options.goodness, outputSize);
      // dL/dz = dL/dg * dg/dh * relu'(z); relu'(z) is already folded in since h = 0 where z <= 0.
      let dz: tf.Tensor2D = tf.mul(h, tf.reshape(tf.mul(dLossDGoodness, factor), [-1, 1]));
      if (this.meanActivity) dz = tf.add(dz, this.peerGradient(h, positives));
      const dWeights = tf.matMul(tf.transpose(dz), xn);
      const dBias = tf.sum(dz, 0);
      this.optimizer.apply([dWeights, dBias], learningRate);
      const gPos = tf.mean(tf.slice(g, [0], [positives]));
      const gNeg = positives < g.shape[0] ? tf.mean(tf.slice(g, [positives], [-1])) : tf.scalar(0);
      return [this.normalizeByGoodness(h, g), tf.stack([loss, gPos, gNeg]) as tf.Tensor1D];
    });
  }

  /**
   * norm(h) reusing the goodness: the sum of squares a row's norm needs is its goodness
   * (times the width for the mean), which saves recomputing it.
   */
  private normalizeByGoodness(h: tf.Tensor2D, g: tf.Tensor1D): tf.Tensor2D {
    const { norm, goodness: kind, outputSize } = this.options;
    const sumOfSquaresPerGoodness = kind === 'sum' ? 1 : outputSize;
    const scale = sumOfSquaresPerGoodness / (norm === 'rms' ? outputSize : 1);
    return tf.div(h, tf.add(tf.sqrt(tf.reshape(tf.mul(g, scale), [-1, 1])), NORM_EPSILON));
  }

  /**
   * Hinton's peer normalisation: track each unit's mean activity on positive data and
   * push it towards the layer's average, so no unit stays dead or dominates.
   */
  private peerGradient(h: tf.Tensor2D, positives: number): tf.Tensor2D {
    const meanActivity = this.meanActivity!;
    const hPos = tf.slice(h, [0, 0], [positives, -1]);
    meanActivity.assign(tf.add(tf.mul(meanActivity, PEER_DECAY), tf.mul(tf.mean(hPos, 0), 1 - PEER_DECAY)));
    const push = tf.mul(tf.sub(meanActivity, tf.mean(meanActivity)), this.options.peerNormalization / h.shape[0]);
    const active = tf.cast(tf.greater(hPos, 0), 'float32');
    const dzPos = tf.mul(active, push);
    return tf.concat([dzPos, tf.zeros([h.shape[0] - positives, h.shape[1]])], 0) as tf.Tensor2D;
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose([this.weights, this.bias]);
    this.meanActivity?.dispose();
  }
}
