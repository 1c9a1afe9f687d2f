import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchesOf, shardIndices } from '@pff/datasets';

test('batches cover the order in slices, the last one short', () => {
  const order = Uint32Array.from([4, 3, 2, 1, 0]);
  assert.deepEqual(batchesOf(order, 2).map((b) => Array.from(b)), [[4, 3], [2, 1], [0]]);
  assert.throws(() => batchesOf(order, 0), /positive integer/);
});

test('shards are disjoint, cover everything, and differ by at most one', () => {
  const all = Uint32Array.from({ length: 10 }, (_, i) => i);
  const shards = [0, 1, 2].map((i) => Array.from(shardIndices(all, i, 3)));
  assert.deepEqual(shards, [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
  assert.throws(() => shardIndices(all, 3, 3), /shard 3 of 3/);
});
