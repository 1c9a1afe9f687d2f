import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, loadDataset, loadMnist } from '@pff/datasets';
import { idxBytes, writeTinyMnist } from './idx-files.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pff-mnist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const rejects = (fn: () => unknown, code: string, pattern: RegExp): void => {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DatasetError, `not a DatasetError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
};

test('the genuine MNIST files load: 60k/10k, known first labels, pixels in [0, 1]', () => {
  const { train, test: testSet } = loadMnist();
  assert.equal(train.count, 60000);
  assert.equal(testSet.count, 10000);
  assert.equal(train.inputSize, 784);
  assert.equal(train.images.length, 60000 * 784);
  assert.equal(train.labels[0], 5);
  assert.equal(testSet.labels[0], 7);
  let max = 0;
  for (const v of train.images.subarray(0, 784 * 100)) max = Math.max(max, v);
  assert.equal(max, 1);
  const perClass = new Array<number>(10).fill(0);
  for (const label of train.labels) perClass[label]! += 1;
  assert.ok(Math.min(...perClass) > 5000, `class counts ${perClass.join(',')}`);
});

test('train limit keeps the first N training samples and the whole test set', () => {
  const { train, test: testSet } = loadDataset({ dataset: 'mnist', dataDir: '', trainLimit: 1000 });
  assert.equal(train.count, 1000);
  assert.equal(train.images.length, 1000 * 784);
  assert.equal(testSet.count, 10000);
});

test('a directory of gzipped files, or the .idx3-ubyte spelling, loads the same', (t) => {
  const gz = tempDir(t);
  writeTinyMnist(gz, 20, true);
  const pair = loadMnist(gz);
  assert.equal(pair.train.count, 20);
  assert.deepEqual(Array.from(pair.train.labels.subarray(0, 3)), [0, 1, 2]);
  assert.ok(Math.abs(pair.train.images[255]! - 1) < 1e-7, 'pixel 255 scales to 1');
  const dotted = tempDir(t);
  writeTinyMnist(dotted, 7);
  renameSync(join(dotted, 'train-images-idx3-ubyte'), join(dotted, 'train-images.idx3-ubyte'));
  assert.equal(loadMnist(dotted).train.count, 7);
});

test('a missing directory or file is named in the error', (t) => {
  rejects(() => loadMnist('/nonexistent/mnist'), 'MISSING_DIR', /\/nonexistent\/mnist: is not a directory/);
  const dir = tempDir(t);
  rejects(() => loadMnist(dir), 'MISSING_FILE', /train-images-idx3-ubyte: not found/);
});

test('a truncated image file is named with its expected and actual size', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5);
  const file = join(dir, 'train-images-idx3-ubyte');
  writeFileSync(file, idxBytes([5, 28, 28], new Uint8Array(784 * 4)));
  rejects(() => loadMnist(dir), 'TRUNCATED', new RegExp(`${file}: is truncated: header promises 3920 bytes.*found 3136`));
});

test('a truncated gzip stream is named', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5, true);
  const file = join(dir, 't10k-labels-idx1-ubyte.gz');
  writeFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
  rejects(() => loadMnist(dir), 'TRUNCATED', /t10k-labels-idx1-ubyte\.gz: is not a complete gzip stream/);
});

test('a wrong magic number is named', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5);
  // A label file where an image file belongs.
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes([5], new Uint8Array(5)));
  rejects(() => loadMnist(dir), 'BAD_MAGIC', /train-images-idx3-ubyte: magic number 0x00000801, expected 0x00000803/);
});

test('image and label counts that disagree are named', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([4], new Uint8Array(4)));
  rejects(() => loadMnist(dir), 'MISMATCH', /train-labels-idx1-ubyte: has 4 labels but .* has 5 images/);
});

test('labels outside 0-9 and trailing bytes are refused', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes([5], Uint8Array.from([1, 2, 12, 3, 4])));
  rejects(() => loadMnist(dir), 'BAD_FORMAT', /label 12 at index 2/);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([idxBytes([5], new Uint8Array(5)), Buffer.from([0])]));
  rejects(() => loadMnist(dir), 'BAD_FORMAT', /has 1 bytes after the 5 data/);
});
