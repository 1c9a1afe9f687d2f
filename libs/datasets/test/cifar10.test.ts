import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIFAR10_RECORD_BYTES, DatasetError, loadCifar10, loadDataset } from '@pff/datasets';

/** Records in the exact CIFAR-10 binary layout: label byte, then R, G, B planes of 1024 bytes. */
function records(labels: number[], seed: number): Buffer {
  const out = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, r) => {
    const base = r * CIFAR10_RECORD_BYTES;
    out[base] = label;
    for (let p = 0; p < 3072; p++) out[base + 1 + p] = (p + r + seed) % 256;
  });
  return out;
}

function writeCifar(dir: string): void {
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), records([b, (b + 1) % 10, 9], b));
  writeFileSync(join(dir, 'test_batch.bin'), records([3, 8], 0));
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pff-cifar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('CIFAR-10 binary batches load in order with labels and channel-planar pixels', (t) => {
  const dir = tempDir(t);
  writeCifar(dir);
  const { train, test: testSet } = loadCifar10(dir);
  assert.equal(train.count, 15);
  assert.equal(train.inputSize, 3072);
  assert.deepEqual(Array.from(train.labels.subarray(0, 6)), [1, 2, 9, 2, 3, 9]);
  assert.deepEqual(Array.from(testSet.labels), [3, 8]);
  // Record 1 of batch 1: pixel p = (p + 1 + 1) % 256, scaled.
  assert.ok(Math.abs(train.images[3072 + 10]! - 12 / 255) < 1e-7, 'pixel value');
});

test('the cifar-10-batches-bin subdirectory is found', (t) => {
  const dir = tempDir(t);
  const nested = join(dir, 'cifar-10-batches-bin');
  mkdirSync(nested);
  writeCifar(nested);
  assert.equal(loadDataset({ dataset: 'cifar10', dataDir: dir, trainLimit: 4 }).train.count, 4);
});

test('truncated batches, bad labels, missing files and no directory are named', (t) => {
  const dir = tempDir(t);
  writeCifar(dir);
  writeFileSync(join(dir, 'data_batch_3.bin'), records([1, 2], 0).subarray(0, CIFAR10_RECORD_BYTES + 100));
  assert.throws(() => loadCifar10(dir), (err: unknown) => {
    assert.ok(err instanceof DatasetError);
    assert.equal(err.code, 'TRUNCATED');
    assert.match(err.message, /data_batch_3\.bin: has 3173 bytes, not a whole number of 3073-byte/);
    return true;
  });
  writeCifar(dir);
  writeFileSync(join(dir, 'test_batch.bin'), records([3, 200], 0));
  assert.throws(() => loadCifar10(dir), /test_batch\.bin: record 1 has label 200/);
  rmSync(join(dir, 'data_batch_5.bin'));
  assert.throws(() => loadCifar10(dir), /data_batch_5\.bin: not found/);
  assert.throws(() => loadDataset({ dataset: 'cifar10', dataDir: '', trainLimit: 0 }), /CIFAR-10 needs --data-dir/);
  assert.throws(() => loadCifar10(join(dir, 'nope')), /nope: is not a directory/);
});
