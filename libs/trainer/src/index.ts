export { trainSequential, type SequentialTrainerDeps, type TrainOutcome } from './sequential-trainer.js';
export { createNegativeLabels, type NegativeLabels, type NegativeStrategy, type AdaptiveSampling } from './negatives.js';
export { evaluate, scoreDataset, scoreDatasetInSlices, accuracyOf } from './evaluate.js';
export { networkConfigOf } from './network-config.js';
export type { TrainProgress, ProgressListener } from './progress.js';
export { summarise, type SummaryTimes } from './summary.js';
export { epochOrder } from './epoch-order.js';
