import type { LayerRange, RunSpec } from '@pff/contracts';

/** How a run's layers and workers are laid out as a pipeline. */
export interface PipelinePlan {
  /** The layers of each stage, in order. */
  readonly stages: readonly LayerRange[];
  /** Workers (replicas) each stage should have. */
  readonly replicas: readonly number[];
  /** Federated: private data shards, one per worker (0 = one shared queue per stage). */
  readonly shards: number;
}

/**
 * sequential: one stage, one worker. single-layer: a stage per layer, or with fewer
 * workers than layers, contiguous groups of layers balanced by their cost; workers
 * beyond one per stage replicate the costliest stages. all-layers: one stage holding
 * every layer, `workers` replicas competing for batches. federated: as all-layers, each
 * replica on its own private shard.
 */
/** A run's default bound on batches in flight (sent to the first stage, not yet through the last): 3 per worker of the plan, at least 4. */
export function inFlightWindow(plan: PipelinePlan): number {
  return Math.max(4, 3 * plan.replicas.reduce((a, b) => a + b, 0));
}

export function planPipeline(spec: RunSpec, inputSize: number): PipelinePlan {
  const count = spec.layers.length;
  const whole: LayerRange[] = [{ first: 0, last: count - 1 }];
  switch (spec.variant) {
    case 'sequential':
      return { stages: whole, replicas: [1], shards: 0 };
    case 'all-layers':
      return { stages: whole, replicas: [spec.workers], shards: 0 };
    case 'federated':
      return { stages: whole, replicas: [spec.workers], shards: spec.workers };
    case 'single-layer': {
      const costs = spec.layers.map((width, i) => width * (i === 0 ? inputSize : spec.layers[i - 1]!));
      const stages = partition(costs, Math.min(spec.workers, count));
      const replicas = stages.map(() => 1);
      const stageCost = stages.map((r) => costs.slice(r.first, r.last + 1).reduce((a, b) => a + b, 0));
      for (let extra = spec.workers - stages.length; extra > 0; extra--) {
        let worst = 0;
        stageCost.forEach((c, s) => {
          if (c / replicas[s]! > stageCost[worst]! / replicas[worst]!) worst = s;
        });
        replicas[worst]!++;
      }
      return { stages, replicas, shards: 0 };
    }
  }
}

/** Cuts `costs` into `parts` contiguous groups minimising the largest group (exhaustive; layers are few). */
export function partition(costs: readonly number[], parts: number): LayerRange[] {
  const n = costs.length;
  const prefix = [0];
  for (const c of costs) prefix.push(prefix[prefix.length - 1]! + c);
  const sum = (a: number, b: number): number => prefix[b + 1]! - prefix[a]!;
  // best[k][i]: the smallest largest-group cost splitting layers 0..i-1 into k groups.
  const best: number[][] = Array.from({ length: parts + 1 }, () => new Array<number>(n + 1).fill(Infinity));
  const cut: number[][] = Array.from({ length: parts + 1 }, () => new Array<number>(n + 1).fill(0));
  best[0]![0] = 0;
  for (let k = 1; k <= parts; k++) {
    for (let i = k; i <= n; i++) {
      for (let j = k - 1; j < i; j++) {
        const value = Math.max(best[k - 1]![j]!, sum(j, i - 1));
        if (value < best[k]![i]!) {
          best[k]![i] = value;
          cut[k]![i] = j;
        }
      }
    }
  }
  const ranges: LayerRange[] = [];
  for (let k = parts, i = n; k > 0; k--) {
    const j = cut[k]![i]!;
    ranges.unshift({ first: j, last: i - 1 });
    i = j;
  }
  return ranges;
}
