import * as tf from '@tensorflow/tfjs-core';
import { FFLayer, ffStepFlops } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { medianMs } from './timing.js';

export interface StepEfficiencyRow {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly batch: number;
  readonly stepMs: number;
  readonly matMulMs: number;
  readonly stepGflops: number;
  readonly matMulGflops: number;
  /** stepGflops / matMulGflops; target >= 0.8. */
  readonly ratio: number;
}

export const STEP_SHAPES: ReadonlyArray<[number, number]> = [
  [784, 500],
  [500, 500],
  [784, 2000],
  [2000, 2000],
];

/**
 * FLOP rate of one FF training step (positive + negative batch: normalisation,
 * forward, goodness, loss, weight gradient, Adam update) against the FLOP rate of the
 * plain matMuls of the same shapes on the same backend, measured side by side: the
 * forward W·xnᵀ and the gradient dzᵀ·xn, each with a right operand it has not seen
 * before, as in training (the wasm backend repacks a new right operand). The ratio is
 * what the step loses to everything that is not a matMul.
 */
export function measureStepEfficiency(inputSize: number, outputSize: number, batch: number, reps: number): StepEfficiencyRow {
  const rows = 2 * batch;
  const layer = new FFLayer(
    {
      inputSize,
      outputSize,
      norm: 'rms',
      goodness: 'mean',
      threshold: 1,
      optimizer: { kind: 'adam', momentum: 0, weightDecay: 0 },
      peerNormalization: 0,
    },
    createRng(1),
  );
  const x = tf.randomUniform([rows, inputSize], 0, 1, 'float32', 1) as tf.Tensor2D;
  const stepMs = medianMs(() => layer.trainStep(x, batch, 1e-3).output.dispose(), reps);
  const dzT = tf.randomNormal([outputSize, rows], 0, 1, 'float32', 2) as tf.Tensor2D;
  const matMulMs = medianMs(
    ([xT, xCopy]) => {
      const forward = tf.matMul(layer.weights, xT);
      const gradient = tf.matMul(dzT, xCopy);
      gradient.dataSync();
      tf.dispose([forward, gradient, xT, xCopy]);
    },
    reps,
    3,
    // Fresh right operands for every call, made just before the clock starts.
    (): [tf.Tensor2D, tf.Tensor2D] => [tf.transpose(x), tf.add(x, 0)],
  );
  tf.dispose([x, dzT]);
  layer.dispose();
  const flops = ffStepFlops(rows, inputSize, outputSize);
  const stepGflops = flops / stepMs / 1e6;
  const matMulGflops = flops / matMulMs / 1e6;
  return { inputSize, outputSize, batch, stepMs, matMulMs, stepGflops, matMulGflops, ratio: stepGflops / matMulGflops };
}
