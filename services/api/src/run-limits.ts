import type { RunLimits } from '@pff/config';
import type { RunSpec } from '@pff/contracts';

/** The first way `spec` exceeds the deployment's limits, as `{field, message}`, or null. */
export function exceededLimit(spec: RunSpec, limits: RunLimits): { field: string; message: string } | null {
  if (!limits.datasets.includes(spec.dataset)) return { field: 'spec.dataset', message: `must be one of ${limits.datasets.join(', ')} here` };
  if (spec.layers.length > limits.maxLayers) return { field: 'spec.layers', message: `may have at most ${limits.maxLayers} layers here` };
  const wide = spec.layers.findIndex((w) => w > limits.maxLayerWidth);
  if (wide >= 0) return { field: `spec.layers.${wide}`, message: `may be at most ${limits.maxLayerWidth} units wide here` };
  if (spec.epochs > limits.maxEpochs) return { field: 'spec.epochs', message: `may be at most ${limits.maxEpochs} here` };
  if (spec.batch > limits.maxBatch) return { field: 'spec.batch', message: `may be at most ${limits.maxBatch} here` };
  if (spec.workers > limits.maxWorkers) return { field: 'spec.workers', message: `may be at most ${limits.maxWorkers} here` };
  const stages = spec.variant === 'single-layer' ? Math.min(spec.workers, spec.layers.length) : 1;
  if (stages > limits.maxStages) {
    return { field: 'spec.workers', message: `would split the layers into ${stages} pipeline stages; this deployment runs at most ${limits.maxStages}` };
  }
  // Each federated worker trains its own shard: all of them must run at once.
  if (spec.variant === 'federated' && spec.workers > limits.maxStageReplicas) {
    return { field: 'spec.workers', message: `a federated run needs ${spec.workers} replicas of its stage at once; this deployment scales a stage to at most ${limits.maxStageReplicas}` };
  }
  return null;
}
