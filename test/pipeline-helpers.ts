import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parseRunSpec, type RunSpec, type TrainSummary } from '@pff/contracts';
import { loadDataset, type DatasetPair } from '@pff/datasets';

export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Small enough for CI, big enough that learning shows: real MNIST, two 200-unit layers. */
export function smallSpec(overrides: Record<string, unknown>): RunSpec {
  return parseRunSpec({ layers: [200, 200], epochs: 2, trainLimit: 3000, seed: 3, ...overrides });
}

const cache = new Map<number, DatasetPair>();
export function mnist(trainLimit: number): DatasetPair {
  let data = cache.get(trainLimit);
  if (!data) cache.set(trainLimit, (data = loadDataset({ dataset: 'mnist', dataDir: '', trainLimit })));
  return data;
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Nothing lost, nothing doubled: every layer trained every batch of every epoch exactly
 * once (a batch retrained after a redelivery counts once), no duplicate was trained.
 */
export function assertExactCounts(summary: TrainSummary, spec: RunSpec, batchesPerEpoch: number): void {
  const pipeline = summary.pipeline;
  assert.ok(pipeline, 'a pipelined run reports its pipeline');
  assert.equal(pipeline.layers.length, spec.layers.length, 'a record per layer');
  for (const layer of pipeline.layers) {
    assert.equal(layer.samples, summary.trainSamples * spec.epochs, `layer ${layer.layer}: every sample of every epoch, once (${JSON.stringify(layer)})`);
    assert.equal(layer.batches, batchesPerEpoch * spec.epochs, `layer ${layer.layer}: every batch once (${JSON.stringify(layer)})`);
    assert.equal(layer.duplicates, 0, `layer ${layer.layer}: no duplicate trained (${JSON.stringify(layer)})`);
  }
}
