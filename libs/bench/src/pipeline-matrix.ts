import { createHash } from 'node:crypto';
import { parseRunSpec, type RunSpec } from '@pff/contracts';
import { STANDARD_SPEC } from './standard-spec.js';

export interface PipelineBenchOptions {
  /** Epochs of the speed runs (speed-up, broker overhead, adaptive negatives). */
  readonly epochs: number;
  /** Epochs of the accuracy-parity runs, the same for every variant. */
  readonly accuracyEpochs: number;
  /** Sharing cadence of the data-parallel variants in the parity runs. */
  readonly shareEvery: number;
  /** 0 = the whole training set; smaller for a smoke test. */
  readonly trainLimit: number;
  readonly seed: number;
  /** The RabbitMQ the broker runs use. */
  readonly brokerUrl: string;
  /** tfjs backend of the worker threads. */
  readonly backend: 'tensorflow' | 'wasm' | 'cpu';
}

export const DEFAULT_PIPELINE_BENCH: PipelineBenchOptions = {
  epochs: 1,
  accuracyEpochs: 2,
  shareEvery: 16,
  trainLimit: 0,
  seed: 1,
  brokerUrl: 'amqp://guest:guest@127.0.0.1:5672',
  backend: 'wasm',
};

/** How a run is executed: the sequential trainer in this thread, or the pipeline over a broker. */
export type Engine = 'in-process' | 'embedded' | 'amqp';

export interface BenchRun {
  /** A digest of engine and spec: runs with the same key are the same run, measured once. */
  readonly key: string;
  readonly label: string;
  readonly engine: Engine;
  readonly spec: RunSpec;
}

export const SPEED_ROLES = ['inProcess', 'sequential', 'singleLayer', 'allLayers', 'singleLayerAmqp', 'adaptive'] as const;
export type SpeedRole = (typeof SPEED_ROLES)[number];
export const PARITY_ROLES = ['inProcess', 'sequential', 'singleLayer', 'allLayers', 'federated'] as const;
export type ParityRole = (typeof PARITY_ROLES)[number];

export interface PipelineMatrix {
  readonly speed: Readonly<Record<SpeedRole, BenchRun>>;
  readonly parity: Readonly<Record<ParityRole, BenchRun>>;
}

/**
 * The runs of the pipeline suite, all on the standard config. Speed runs share out only
 * at the chapter end (the paper's cadence); parity runs of the data-parallel variants
 * share every `shareEvery` batches per replica.
 */
export function pipelineMatrix(o: PipelineBenchOptions): PipelineMatrix {
  const run = (engine: Engine, epochs: number, extra: Record<string, unknown> = {}): BenchRun => {
    const spec = parseRunSpec({ ...STANDARD_SPEC, epochs, trainLimit: o.trainLimit, seed: o.seed, ...extra });
    const key = createHash('sha256').update(JSON.stringify({ engine, spec })).digest('hex').slice(0, 12);
    return { key, label: describeRun(engine, spec), engine, spec };
  };
  const two = (variant: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ variant, workers: 2, ...extra });
  const shared = { shareEvery: o.shareEvery };
  return {
    speed: {
      inProcess: run('in-process', o.epochs),
      sequential: run('embedded', o.epochs),
      singleLayer: run('embedded', o.epochs, two('single-layer')),
      allLayers: run('embedded', o.epochs, two('all-layers')),
      singleLayerAmqp: run('amqp', o.epochs, two('single-layer')),
      adaptive: run('embedded', o.epochs, two('single-layer', { neg: 'adaptive' })),
    },
    parity: {
      inProcess: run('in-process', o.accuracyEpochs),
      sequential: run('embedded', o.accuracyEpochs),
      singleLayer: run('embedded', o.accuracyEpochs, two('single-layer')),
      allLayers: run('embedded', o.accuracyEpochs, two('all-layers', shared)),
      federated: run('embedded', o.accuracyEpochs, two('federated', shared)),
    },
  };
}

/** `single-layer x2 embedded`, `all-layers x2 share/16 embedded`, `sequential in-process`. */
export function describeRun(engine: Engine, spec: Pick<RunSpec, 'variant' | 'workers' | 'shareEvery' | 'neg'>): string {
  const parts: string[] = [spec.variant];
  if (spec.workers > 1) parts.push(`x${spec.workers}`);
  if (spec.shareEvery > 0 && spec.workers > 1) parts.push(`share/${spec.shareEvery}`);
  if (spec.neg !== 'random') parts.push(spec.neg);
  parts.push(engine);
  return parts.join(' ');
}
