import type { LayerCounts, PipelineSummary, RunSpec } from '@pff/contracts';
import type { Engine } from './pipeline-matrix.js';
import type { Usage } from './usage-probe.js';

/** One run of the pipeline suite, as measured. */
export interface MeasuredRun {
  readonly key: string;
  readonly label: string;
  readonly engine: Engine;
  readonly variant: RunSpec['variant'];
  readonly workers: number;
  readonly neg: RunSpec['neg'];
  readonly shareEvery: number;
  readonly epochs: number;
  readonly chapters: number;
  readonly batchesPerEpoch: number;
  /** Training only: evaluation and start-up excluded. */
  readonly trainSeconds: number;
  readonly secondsPerEpoch: number;
  readonly secondsPerBatch: number;
  /** Test accuracy, a fraction. */
  readonly accuracy: number;
  /** Sharing rounds the scheduler ran, chapter ends included (its log); null in process. */
  readonly shareRounds: number | null;
  readonly stages: PipelineSummary['stages'] | null;
  readonly layers: LayerCounts[] | null;
  readonly usage: Usage | null;
}

/** A run that threw (a broker that is down, say): the suite goes on without it. */
export interface FailedRun {
  readonly key: string;
  readonly label: string;
  readonly engine: Engine;
  readonly error: string;
}

export type RunOutcome = MeasuredRun | FailedRun;

export function isMeasured(run: RunOutcome | undefined): run is MeasuredRun {
  return run !== undefined && !('error' in run);
}
