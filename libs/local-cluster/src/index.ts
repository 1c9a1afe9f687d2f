export { startLocalCluster, type LocalCluster, type LocalClusterOptions, type WorkerHandle } from './local-cluster.js';
export { trainPipelined, type TrainPipelinedDeps } from './train-pipelined.js';
