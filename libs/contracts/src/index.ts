export {
  RunSpecSchema,
  parseRunSpec,
  withDefaultWorkers,
  type RunSpec,
  type RunSpecInput,
  DATASETS,
  NEGATIVE_STRATEGIES,
  CLASSIFIERS,
  OBJECTIVES,
  VARIANTS,
} from './run-spec.js';
export { InvalidSpecError } from './invalid-spec-error.js';
export {
  TrainSummarySchema,
  PipelineSummarySchema,
  type TrainSummary,
  type EpochRecord,
  type PipelineSummary,
  type LayerCounts,
} from './train-summary.js';
export * from './messages/index.js';
export * from './api/run-resource.js';
