import { randomUUID } from 'node:crypto';
import type { EpochRecord, RunSpec } from '@pff/contracts';
import type { DatasetPair } from '@pff/datasets';
import { PipelineRun, planPipeline, type PipelineOptions, type RunResult } from '@pff/scheduler';
import type { ProgressListener } from '@pff/trainer';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js';

export interface TrainPipelinedDeps {
  readonly spec: RunSpec;
  readonly data: DatasetPair;
  readonly cluster: Omit<LocalClusterOptions, 'log'>;
  /** Start the plan's workers as threads (default); false: workers run elsewhere (`pff worker`). */
  readonly spawnWorkers?: boolean;
  readonly runId?: string;
  readonly options?: Partial<PipelineOptions>;
  readonly log?: (line: string) => void;
  readonly onProgress?: ProgressListener;
  readonly onChapter?: (record: EpochRecord) => void;
  readonly signal?: AbortSignal;
  /** Called once the workers are up, before training starts (tests use it to inject faults). */
  readonly onCluster?: (cluster: LocalCluster) => void;
}

/**
 * `pff train` for the pipelined variants on one machine: starts the workers the plan
 * asks for as threads (embedded broker by default, RabbitMQ with a URL), runs the
 * scheduler here, and takes everything down at the end.
 */
export async function trainPipelined(deps: TrainPipelinedDeps): Promise<RunResult> {
  const { spec, data } = deps;
  const log = deps.log ?? (() => undefined);
  const cluster = await startLocalCluster({ ...deps.cluster, log });
  try {
    const plan = planPipeline(spec, data.train.inputSize);
    if (deps.spawnWorkers !== false) {
      await Promise.all(plan.replicas.flatMap((count, stage) => Array.from({ length: count }, () => cluster.addWorker(stage))));
    }
    deps.onCluster?.(cluster);
    const run = new PipelineRun({
      transport: cluster.transport,
      runId: deps.runId ?? `run-${randomUUID().slice(0, 8)}`,
      spec,
      data,
      log,
      ...(deps.options ? { options: deps.options } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.onChapter ? { onChapter: deps.onChapter } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return await run.run();
  } finally {
    await cluster.close();
  }
}
