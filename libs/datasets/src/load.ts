import { limitDataset } from './batches.js';
import type { DatasetPair } from './dataset.js';
import { DatasetError } from './dataset-error.js';
import { loadCifar10 } from './cifar10.js';
import { loadMnist } from './mnist.js';

export interface LoadOptions {
  readonly dataset: 'mnist' | 'cifar10';
  /** Where the files are; empty means the bundled MNIST (CIFAR-10 has no default). */
  readonly dataDir: string;
  /** Keep only the first N training samples (0 = all). */
  readonly trainLimit: number;
}

export function loadDataset(options: LoadOptions): DatasetPair {
  let pair: DatasetPair;
  if (options.dataset === 'mnist') {
    pair = options.dataDir ? loadMnist(options.dataDir) : loadMnist();
  } else {
    if (!options.dataDir) {
      throw new DatasetError('MISSING_DIR', '(none)', 'CIFAR-10 needs --data-dir (or PFF_DATA_DIR) pointing at its binary batches');
    }
    pair = loadCifar10(options.dataDir);
  }
  return { train: limitDataset(pair.train, options.trainLimit), test: pair.test };
}
