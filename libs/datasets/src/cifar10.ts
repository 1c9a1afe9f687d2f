import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, DatasetPair } from './dataset.js';
import { DatasetError } from './dataset-error.js';
import { readMaybeGzipped } from './read-file.js';

const PIXELS = 32 * 32 * 3;
/** One label byte, then 1024 red, 1024 green and 1024 blue bytes. */
export const CIFAR10_RECORD_BYTES = 1 + PIXELS;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';

function parseBatches(dir: string, files: readonly string[], name: string): Dataset {
  const buffers = files.map((file) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new DatasetError('MISSING_FILE', path, 'not found');
    const buffer = readMaybeGzipped(path);
    if (buffer.length === 0 || buffer.length % CIFAR10_RECORD_BYTES !== 0) {
      throw new DatasetError(
        'TRUNCATED',
        path,
        `has ${buffer.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records`,
      );
    }
    return { path, buffer };
  });
  const count = buffers.reduce((n, b) => n + b.buffer.length / CIFAR10_RECORD_BYTES, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  for (const { path, buffer } of buffers) {
    for (let offset = 0; offset < buffer.length; offset += CIFAR10_RECORD_BYTES, row++) {
      const label = buffer[offset]!;
      if (label > 9) throw new DatasetError('BAD_FORMAT', path, `record ${offset / CIFAR10_RECORD_BYTES} has label ${label}, not 0-9`);
      labels[row] = label;
      const base = row * PIXELS;
      for (let p = 0; p < PIXELS; p++) images[base + p] = buffer[offset + 1 + p]! / 255;
    }
  }
  return { name, count, inputSize: PIXELS, classes: 10, maxValue: 1, images, labels };
}

/**
 * Loads CIFAR-10 from the binary version's files (`data_batch_1..5.bin`,
 * `test_batch.bin`), in `dir` or its `cifar-10-batches-bin/` subdirectory.
 */
export function loadCifar10(dir: string): DatasetPair {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DatasetError('MISSING_DIR', dir, 'is not a directory holding the CIFAR-10 binary batches');
  }
  const nested = join(dir, 'cifar-10-batches-bin');
  const root = existsSync(join(dir, TEST_FILE)) || !existsSync(nested) ? dir : nested;
  return {
    train: parseBatches(root, TRAIN_FILES, 'cifar10-train'),
    test: parseBatches(root, [TEST_FILE], 'cifar10-test'),
  };
}
