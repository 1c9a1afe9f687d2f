export {
  PipelineRun,
  DEFAULT_PIPELINE_OPTIONS,
  type PipelineOptions,
  type PipelineRunDeps,
  type ResumePoint,
  type Checkpoint,
} from './pipeline-run.js';
export { inFlightWindow, planPipeline, partition, type PipelinePlan } from './plan.js';
export type { RunResult } from './run-result.js';
export { createSchedulerService, type SchedulerService, type SchedulerServiceDeps } from './create-scheduler-service.js';
export { runSchedulerMain } from './main.js';
export { OPTIMIZER_FILE, RunStore, RunStoreError, type RunRecord } from './run-store.js';
export { runStoredRun } from './run-runner.js';
