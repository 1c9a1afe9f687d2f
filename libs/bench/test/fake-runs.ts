import type { FailedRun, MeasuredRun } from '../src/run-outcome.js';

/** A measured run with round numbers: 100 batches per epoch, 1 epoch, embedded single worker unless told. */
export function fakeRun(key: string, secondsPerEpoch: number, overrides: Partial<MeasuredRun> = {}): MeasuredRun {
  const epochs = overrides.epochs ?? 1;
  const batchesPerEpoch = overrides.batchesPerEpoch ?? 100;
  return {
    key,
    label: key,
    engine: 'embedded',
    variant: 'sequential',
    workers: 1,
    neg: 'random',
    shareEvery: 0,
    epochs,
    chapters: epochs,
    batchesPerEpoch,
    trainSeconds: secondsPerEpoch * epochs,
    secondsPerEpoch,
    secondsPerBatch: secondsPerEpoch / batchesPerEpoch,
    accuracy: 0.9,
    shareRounds: epochs,
    stages: null,
    layers: null,
    usage: null,
    ...overrides,
  };
}

export function failedRun(key: string): FailedRun {
  return { key, label: key, engine: 'amqp', error: 'broker unreachable' };
}
