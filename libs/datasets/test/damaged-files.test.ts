// Damaged dataset files, table by table: each error is a DatasetError whose message
// starts with the file's path and says what is wrong with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CIFAR10_RECORD_BYTES, DatasetError, loadCifar10, loadMnist } from '@pff/datasets';
import { idxBytes, writeTinyMnist } from './idx-files.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pff-damaged-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function refusedNaming(load: () => unknown, file: string, problem: RegExp): void {
  assert.throws(load, (err: unknown) => {
    assert.ok(err instanceof DatasetError, `a DatasetError, not ${String(err)}`);
    assert.ok(err.message.startsWith(`${file}: `), `"${err.message}" starts with the path ${file}`);
    assert.match(err.message, problem);
    return true;
  });
}

const MNIST_CASES: Array<[string, string, (count: number) => Buffer, RegExp]> = [
  ['a header cut short', 'train-images-idx3-ubyte', () => idxBytes([5, 28, 28], new Uint8Array(0)).subarray(0, 9), /ends inside its IDX header/],
  ['two bytes', 'train-labels-idx1-ubyte', () => Buffer.from([0, 0]), /has 2 bytes, too few for an IDX header/],
  ['an empty file', 't10k-labels-idx1-ubyte', () => Buffer.alloc(0), /has 0 bytes, too few for an IDX header/],
  ['float data (type 0x0d)', 't10k-images-idx3-ubyte', (n) => { const b = idxBytes([n, 28, 28], new Uint8Array(n * 784)); b[2] = 0x0d; return b; }, /magic number 0x00000d03, expected 0x00000803/],
  ['image data cut', 'train-images-idx3-ubyte', (n) => idxBytes([n, 28, 28], new Uint8Array(n * 784 - 100)), /is truncated: header promises 3920 bytes of data \(5x28x28\), found 3820/],
  ['no images', 'train-images-idx3-ubyte', () => idxBytes([0, 28, 28], new Uint8Array(0)), /holds no images \(0x28x28\)/],
  ['test images of another size', 't10k-images-idx3-ubyte', (n) => idxBytes([n, 14, 14], new Uint8Array(n * 196)), /has 14x14 images, the training images have 784 pixels/],
];

for (const [what, file, bytes, problem] of MNIST_CASES) {
  test(`MNIST: ${what} in ${file} is refused, naming the file`, (t) => {
    const dir = tempDir(t);
    writeTinyMnist(dir, 5);
    writeFileSync(join(dir, file), bytes(5));
    refusedNaming(() => loadMnist(dir), join(dir, file), problem);
  });
}

test('MNIST: random bytes in place of an IDX file are refused, naming the file', (t) => {
  const dir = tempDir(t);
  writeTinyMnist(dir, 5);
  const file = join(dir, 'train-images-idx3-ubyte');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (garbage) => {
      // Not gzip (a different refusal, tested apart); anything else, however it starts.
      fc.pre(!(garbage[0] === 0x1f && garbage[1] === 0x8b));
      writeFileSync(file, garbage);
      refusedNaming(() => loadMnist(dir), file, /too few for an IDX header|magic number 0x[0-9a-f]{8}, expected 0x00000803|truncated|bytes after|holds no images/);
    }),
    { seed: 7, numRuns: 60 },
  );
});

const CIFAR_CASES: Array<[string, Buffer, RegExp]> = [
  ['an empty batch', Buffer.alloc(0), /has 0 bytes, not a whole number of 3073-byte CIFAR-10 records/],
  ['a batch one byte short', Buffer.alloc(2 * CIFAR10_RECORD_BYTES - 1), /has 6145 bytes, not a whole number of 3073-byte CIFAR-10 records/],
  ['a batch one byte long', Buffer.alloc(CIFAR10_RECORD_BYTES + 1), /has 3074 bytes, not a whole number/],
  ['random bytes', Buffer.from(fc.sample(fc.uint8Array({ minLength: 5000, maxLength: 5000 }), { seed: 3, numRuns: 1 })[0]!), /has 5000 bytes, not a whole number/],
];

for (const [what, bytes, problem] of CIFAR_CASES) {
  test(`CIFAR-10: ${what} is refused, naming the file`, (t) => {
    const dir = tempDir(t);
    const record = Buffer.alloc(CIFAR10_RECORD_BYTES);
    for (const name of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) writeFileSync(join(dir, `${name}.bin`), record);
    writeFileSync(join(dir, 'data_batch_4.bin'), bytes);
    refusedNaming(() => loadCifar10(dir), join(dir, 'data_batch_4.bin'), problem);
  });
}
