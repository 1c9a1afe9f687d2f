import type { Dataset } from './dataset.js';

/** The first `limit` samples (0 = all), sharing the underlying buffers. */
export function limitDataset(data: Dataset, limit: number): Dataset {
  if (limit <= 0 || limit >= data.count) return data;
  return {
    ...data,
    count: limit,
    images: data.images.subarray(0, limit * data.inputSize),
    labels: data.labels.subarray(0, limit),
  };
}

/** Shard `index` of `count` disjoint, near-equal shards of `indices` (round robin). */
export function shardIndices(indices: ArrayLike<number>, index: number, count: number): Uint32Array {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`shard ${index} of ${count} does not exist`);
  }
  const out = new Uint32Array(Math.floor((indices.length - index + count - 1) / count));
  for (let i = index, j = 0; i < indices.length; i += count, j++) out[j] = indices[i]!;
  return out;
}

/** Consecutive batches of `size` (the last may be smaller), as views of `order`. */
export function batchesOf(order: Uint32Array, size: number): Uint32Array[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const out: Uint32Array[] = [];
  for (let start = 0; start < order.length; start += size) out.push(order.subarray(start, start + size));
  return out;
}
