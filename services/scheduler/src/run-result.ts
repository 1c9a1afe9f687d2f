import type { PipelineSummary, TrainSummary } from '@pff/contracts';
import type { FFNetwork } from '@pff/ff-core';

export type { PipelineSummary };

export interface RunResult {
  readonly summary: TrainSummary;
  /** The trained network, assembled from the stages' shared parameters; the caller disposes it. */
  readonly network: FFNetwork;
}
