import { encodeMessage, type ActivationBatchHeader, type NamedTensor } from '@pff/contracts';
import { batchesOf, shardIndices, type Dataset } from '@pff/datasets';
import { permutation, type Rng } from '@pff/random';
import { epochOrder } from '@pff/trainer';

/** One batch the scheduler puts on the first stage's queue (or its shard's queue). */
export interface PlannedBatch {
  readonly epoch: number;
  readonly index: number;
  readonly shard: number | undefined;
  readonly samples: Uint32Array;
  /** Epochs done before this batch: the learning-rate schedule's clock. */
  readonly position: number;
}

/**
 * The samples each shard owns, fixed for the whole run: federated, the training set is
 * dealt once into `shards` private parts; otherwise one pool holds everything.
 */
export function dealShards(count: number, shards: number, rng: Rng): Uint32Array[] {
  if (shards === 0) return [Uint32Array.from({ length: count }, (_, i) => i)];
  const order = permutation(count, rng);
  return Array.from({ length: shards }, (_, s) => shardIndices(order, s, shards));
}

/**
 * The batches of one epoch, in the order they are sent: each pool in a fresh order
 * (the seed decides it); federated, the shards' batches interleaved so that every
 * shard progresses together.
 */
export function planEpoch(pools: readonly Uint32Array[], sharded: boolean, batch: number, epoch: number, root: Rng): PlannedBatch[] {
  const groups = pools.map((pool, s) => {
    const order = epochOrder(pool.length, root, epoch, s);
    return batchesOf(Uint32Array.from(order, (i) => pool[i]!), batch);
  });
  const perShard = Math.max(...groups.map((g) => g.length));
  const planned: Array<Omit<PlannedBatch, 'position'>> = [];
  for (let b = 0; b < perShard; b++) {
    groups.forEach((group, s) => {
      const samples = group[b];
      if (samples) planned.push({ epoch, index: planned.length, shard: sharded ? s : undefined, samples });
    });
  }
  return planned.map((p, i) => ({ ...p, position: epoch - 1 + i / planned.length }));
}

/** The first stage's message for a batch: the raw images, true and wrong labels, sample ids. */
export function encodeFirstBatch(
  header: ActivationBatchHeader,
  data: Dataset,
  samples: Uint32Array,
  negativeLabels: Uint8Array | null,
): Uint8Array {
  const n = samples.length;
  const size = data.inputSize;
  const images = new Float32Array(n * size);
  const labels = new Uint8Array(n);
  const indices = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const s = samples[r]!;
    images.set(data.images.subarray(s * size, (s + 1) * size), r * size);
    labels[r] = data.labels[s]!;
    indices[r] = s;
  }
  const tensors: NamedTensor[] = [
    { name: 'images', shape: [n, size], data: images },
    { name: 'labels', shape: [n], data: labels },
    { name: 'indices', shape: [n], data: indices },
  ];
  if (negativeLabels) tensors.push({ name: 'negativeLabels', shape: [n], data: Uint8Array.from(samples, (s) => negativeLabels[s]!) });
  return encodeMessage(header, tensors);
}
