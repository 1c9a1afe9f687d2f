import * as tf from '@tensorflow/tfjs-core';
import type { EpochRecord, RunSpec, TrainSummary } from '@pff/contracts';
import type { DatasetPair } from '@pff/datasets';

export interface SummaryTimes {
  readonly accuracy: number;
  readonly trainSeconds: number;
  readonly evalSeconds: number;
}

/** The summary every trainer reports (sequential or pipelined): what ran, on what, how fast. */
export function summarise(spec: RunSpec, data: DatasetPair, times: SummaryTimes, history: EpochRecord[]): TrainSummary {
  return {
    accuracy: times.accuracy,
    trainSeconds: times.trainSeconds,
    evalSeconds: times.evalSeconds,
    epochs: spec.epochs,
    chapters: spec.chapters,
    samplesPerSecond: (data.train.count * spec.epochs) / times.trainSeconds,
    variant: spec.variant,
    objective: spec.objective,
    classifier: spec.classifier,
    neg: spec.neg,
    dataset: spec.dataset,
    layers: [...spec.layers],
    trainSamples: data.train.count,
    testSamples: data.test.count,
    backend: tf.getBackend(),
    seed: spec.seed,
    history,
  };
}
