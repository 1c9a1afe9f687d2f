export { PipelineRun, DEFAULT_PIPELINE_OPTIONS, type PipelineOptions, type PipelineRunDeps } from './pipeline-run.js';
export { planPipeline, partition, type PipelinePlan } from './plan.js';
export type { RunResult } from './run-result.js';
