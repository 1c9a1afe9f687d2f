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
 * FLOP rate of one FF training step (positive + negative batch: forward, goodness,
 * loss, weight gradient, Adam update) against the FLOP rate of the plain matMuls of
 * the same shapes (X·W and Xᵀ·dZ, with Xᵀ already transposed) on the same backend,
 * measured side by side. The ratio is what our step loses to everything that is not
 * a matMul.
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
  const xT = tf.transpose(x);
  const dz = tf.randomNormal([rows, outputSize], 0, 1, 'float32', 2);
  const matMulMs = medianMs(() => {
    const forward = tf.matMul(x, layer.weights);
    const gradient = tf.matMul(xT, dz);
    gradient.dataSync();
    tf.dispose([forward, gradient]);
  }, reps);
  tf.dispose([x, xT, dz]);
  layer.dispose();
  const flops = ffStepFlops(rows, inputSize, outputSize);
  const stepGflops = flops / stepMs / 1e6;
  const matMulGflops = flops / matMulMs / 1e6;
  return { inputSize, outputSize, batch, stepMs, matMulMs, stepGflops, matMulGflops, ratio: stepGflops / matMulGflops };
}
