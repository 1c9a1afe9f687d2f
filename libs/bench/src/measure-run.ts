import { randomUUID } from 'node:crypto';
import type { TrainSummary } from '@pff/contracts';
import type { DatasetPair } from '@pff/datasets';
import { trainPipelined } from '@pff/local-cluster';
import { trainSequential } from '@pff/trainer';
import type { BenchRun, PipelineBenchOptions } from './pipeline-matrix.js';
import type { MeasuredRun, RunOutcome } from './run-outcome.js';
import { createUsageProbe, type Usage } from './usage-probe.js';

const SHARING_ROUND = /^sharing round \d+ of stage \d+:/;

/** Trains one run of the matrix and measures it; a failure is returned, not thrown. */
export async function measureRun(
  run: BenchRun,
  data: DatasetPair,
  options: Pick<PipelineBenchOptions, 'brokerUrl' | 'backend'>,
  log: (line: string) => void,
): Promise<RunOutcome> {
  const probe = createUsageProbe();
  let rounds = 0;
  const schedulerLog = (line: string): void => {
    if (SHARING_ROUND.test(line)) rounds++;
    else log(`  ${line}`);
  };
  try {
    const { spec } = run;
    const { summary, network } =
      run.engine === 'in-process'
        ? await trainSequential({ spec, data, onProgress: () => probe.sample() })
        : await trainPipelined({
            spec,
            data,
            cluster: { backend: options.backend, ...(run.engine === 'amqp' ? { brokerUrl: options.brokerUrl } : {}) },
            runId: `bench-${randomUUID().slice(0, 8)}`,
            log: schedulerLog,
            onProgress: () => probe.sample(),
          });
    network.dispose();
    return measured(run, summary, run.engine === 'in-process' ? null : rounds, probe.result());
  } catch (error) {
    return { key: run.key, label: run.label, engine: run.engine, error: error instanceof Error ? error.message : String(error) };
  }
}

function measured(run: BenchRun, summary: TrainSummary, shareRounds: number | null, usage: Usage | null): MeasuredRun {
  const { spec } = run;
  const batchesPerEpoch = Math.ceil(summary.trainSamples / spec.batch);
  return {
    key: run.key,
    label: run.label,
    engine: run.engine,
    variant: spec.variant,
    workers: spec.workers,
    neg: spec.neg,
    shareEvery: spec.shareEvery,
    epochs: spec.epochs,
    chapters: spec.chapters,
    batchesPerEpoch,
    trainSeconds: summary.trainSeconds,
    secondsPerEpoch: summary.trainSeconds / spec.epochs,
    secondsPerBatch: summary.trainSeconds / (spec.epochs * batchesPerEpoch),
    accuracy: summary.accuracy,
    shareRounds,
    stages: summary.pipeline?.stages ?? null,
    layers: summary.pipeline?.layers ?? null,
    usage,
  };
}
