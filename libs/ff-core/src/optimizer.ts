import * as tf from '@tensorflow/tfjs-core';

export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerOptions {
  readonly kind: OptimizerKind;
  /** SGD momentum. */
  readonly momentum: number;
  /** L2 weight decay, added to the gradient of every weight matrix (not biases). */
  readonly weightDecay: number;
}

/**
 * Applies explicit gradients to a fixed list of variables. Written here rather than
 * taken from `tf.train` because the FF step computes its own gradients (see
 * ff-layer.ts), the learning rate changes every step (the cool-down), and the state
 * must be readable synchronously for parameter sharing and checkpoints.
 */
export interface ParamOptimizer {
  /** `grads[i]` belongs to `params[i]`. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void;
  /** Steps taken so far. */
  readonly steps: number;
  /** The state kept per parameter (`slots[k][i]` belongs to `params[i]`): SGD's velocity; Adam's first and second moments. */
  readonly slots: ReadonlyArray<readonly tf.Variable[]>;
  /** Continues from a saved state: the slots are assigned by the caller, the step count here (Adam's bias correction uses it). */
  restoreSteps(steps: number): void;
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** `decay[i]` says whether weight decay applies to `params[i]`. */
export function createOptimizer(
  params: readonly tf.Variable[],
  decay: readonly boolean[],
  options: OptimizerOptions,
): ParamOptimizer {
  const zeros = (p: tf.Variable): tf.Variable => tf.tidy(() => tf.variable(tf.zerosLike(p), false));
  const first = params.map(zeros);
  const second = options.kind === 'adam' ? params.map(zeros) : [];
  let steps = 0;

  const withDecay = (grad: tf.Tensor, i: number): tf.Tensor =>
    options.weightDecay > 0 && decay[i] ? tf.add(grad, tf.mul(params[i]!, options.weightDecay)) : grad;

  const applyAdam = (grads: readonly tf.Tensor[], lr: number): void => {
    const t = steps;
    // Bias correction folded into the step size: one multiply instead of two divides per element.
    const stepSize = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    grads.forEach((raw, i) => {
      const g = withDecay(raw, i);
      const m = tf.add(tf.mul(first[i]!, BETA1), tf.mul(g, 1 - BETA1));
      const v = tf.add(tf.mul(second[i]!, BETA2), tf.mul(tf.square(g), 1 - BETA2));
      first[i]!.assign(m);
      second[i]!.assign(v);
      params[i]!.assign(tf.sub(params[i]!, tf.mul(tf.div(m, tf.add(tf.sqrt(v), EPSILON)), stepSize)));
    });
  };

  const applySgd = (grads: readonly tf.Tensor[], lr: number): void => {
    grads.forEach((raw, i) => {
      const velocity = tf.add(tf.mul(first[i]!, options.momentum), withDecay(raw, i));
      first[i]!.assign(velocity);
      params[i]!.assign(tf.sub(params[i]!, tf.mul(velocity, lr)));
    });
  };

  return {
    apply(grads, learningRate) {
      if (grads.length !== params.length) throw new Error(`expected ${params.length} gradients, got ${grads.length}`);
      steps += 1;
      tf.tidy(() => (options.kind === 'adam' ? applyAdam(grads, learningRate) : applySgd(grads, learningRate)));
    },
    get steps() {
      return steps;
    },
    slots: second.length > 0 ? [first, second] : [first],
    restoreSteps(n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`a step count is a whole number >= 0, not ${n}`);
      steps = n;
    },
    dispose() {
      for (const v of [...first, ...second]) v.dispose();
    },
  };
}
