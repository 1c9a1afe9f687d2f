export { createLayerWorker, type LayerWorker, type LayerWorkerDeps } from './layer-worker.js';
export type { MemberCounts } from './run-member.js';
export { StageModel, type StageLayout } from './stage-model.js';
export { trainStageBatch, type StageInput, type StageOutput } from './stage-step.js';
export { createWorkerService, type Service } from './create-worker-service.js';
export { runWorkerMain } from './main.js';
