export type { Dataset, DatasetPair } from './dataset.js';
export { DatasetError, type DatasetErrorCode } from './dataset-error.js';
export { parseIdx, type IdxArray } from './idx.js';
export { loadMnist, bundledMnistDir } from './mnist.js';
export { loadCifar10, CIFAR10_RECORD_BYTES } from './cifar10.js';
export { loadDataset, type LoadOptions } from './load.js';
export { limitDataset, shardIndices, batchesOf } from './batches.js';
