export { startLocalCluster, type LocalCluster, type LocalClusterOptions, type WorkerHandle } from './local-cluster.js';
export { trainPipelined, type TrainPipelinedDeps } from './train-pipelined.js';
export { startLocalStack, type LocalStack, type LocalStackDeps } from './local-stack.js';
export { autoscaleWorkers } from './worker-autoscaler.js';
