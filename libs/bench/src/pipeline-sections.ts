import { isMeasured, type RunOutcome } from './run-outcome.js';
import type { ParityRole, SpeedRole } from './pipeline-matrix.js';

/** The suite's targets, from the issue. */
export const PIPELINE_TARGETS = { speedUp: 1.8, brokerOverhead: 1.1, accuracyPoints: 0.3, adaptiveRatio: 1.3 } as const;

/** `a / b`, or null when either side was not measured. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : a / b;
}

/** Test-accuracy difference in percentage points (fractions in). */
export function accuracyPoints(accuracy: number, reference: number): number {
  return (accuracy - reference) * 100;
}

export interface SpeedRow {
  readonly role: SpeedRole;
  readonly label: string;
  readonly secondsPerEpoch: number | null;
  /** Speed-up over the pipeline's sequential variant (1 worker thread, same code path). */
  readonly vsPipelineSequential: number | null;
  /** Speed-up over the in-process sequential trainer. */
  readonly vsInProcess: number | null;
}

export interface SpeedSection {
  readonly rows: SpeedRow[];
  /** The (run, baseline) pairs at or over the target, embedded broker only. */
  readonly meets: string[];
  /** Met when an embedded 2-worker run reaches the target against the faster baseline. */
  readonly met: boolean;
}

const TWO_WORKERS_EMBEDDED: readonly SpeedRole[] = ['singleLayer', 'allLayers'];

export function speedSection(runs: Readonly<Record<SpeedRole, RunOutcome>>): SpeedSection {
  const seconds = (role: SpeedRole): number | undefined => {
    const run = runs[role];
    return isMeasured(run) ? run.secondsPerEpoch : undefined;
  };
  const rows = (Object.keys(runs) as SpeedRole[]).map((role) => ({
    role,
    label: runs[role].label,
    secondsPerEpoch: seconds(role) ?? null,
    vsPipelineSequential: ratio(seconds('sequential'), seconds(role)),
    vsInProcess: ratio(seconds('inProcess'), seconds(role)),
  }));
  const meets = rows
    .filter((r) => TWO_WORKERS_EMBEDDED.includes(r.role))
    .flatMap((r) => [
      ...((r.vsPipelineSequential ?? 0) >= PIPELINE_TARGETS.speedUp ? [`${r.label} vs ${runs.sequential.label}`] : []),
      ...((r.vsInProcess ?? 0) >= PIPELINE_TARGETS.speedUp ? [`${r.label} vs ${runs.inProcess.label}`] : []),
    ]);
  const met = rows.some((r) => TWO_WORKERS_EMBEDDED.includes(r.role) && Math.min(r.vsPipelineSequential ?? 0, r.vsInProcess ?? 0) >= PIPELINE_TARGETS.speedUp);
  return { rows, meets, met };
}

export interface BrokerSection {
  readonly embeddedBatchSeconds: number | null;
  readonly amqpBatchSeconds: number | null;
  /** RabbitMQ's time per batch over the embedded broker's, same plan. */
  readonly ratio: number | null;
  readonly met: boolean;
}

export function brokerSection(embedded: RunOutcome, amqp: RunOutcome): BrokerSection {
  const e = isMeasured(embedded) ? embedded.secondsPerBatch : undefined;
  const a = isMeasured(amqp) ? amqp.secondsPerBatch : undefined;
  const r = ratio(a, e);
  return { embeddedBatchSeconds: e ?? null, amqpBatchSeconds: a ?? null, ratio: r, met: r !== null && r <= PIPELINE_TARGETS.brokerOverhead };
}

export interface ParityRow {
  readonly label: string;
  readonly accuracy: number | null;
  /** Points over (+) or under (-) the in-process sequential run. */
  readonly points: number | null;
  readonly within: boolean;
}

export interface ParitySection {
  readonly reference: { readonly label: string; readonly accuracy: number | null };
  readonly rows: ParityRow[];
  readonly met: boolean;
}

export function paritySection(runs: Readonly<Record<ParityRole, RunOutcome>>): ParitySection {
  const reference = runs.inProcess;
  const referenceAccuracy = isMeasured(reference) ? reference.accuracy : null;
  const rows = (Object.keys(runs) as ParityRole[])
    .filter((role) => role !== 'inProcess')
    .map((role): ParityRow => {
      const run = runs[role];
      const accuracy = isMeasured(run) ? run.accuracy : null;
      const points = accuracy === null || referenceAccuracy === null ? null : accuracyPoints(accuracy, referenceAccuracy);
      return { label: run.label, accuracy, points, within: points !== null && Math.abs(points) <= PIPELINE_TARGETS.accuracyPoints };
    });
  return { reference: { label: reference.label, accuracy: referenceAccuracy }, rows, met: rows.every((r) => r.within) };
}

export interface AdaptiveSection {
  readonly randomSecondsPerEpoch: number | null;
  readonly adaptiveSecondsPerEpoch: number | null;
  readonly ratio: number | null;
  readonly met: boolean;
}

export function adaptiveSection(random: RunOutcome, adaptive: RunOutcome): AdaptiveSection {
  const seconds = (run: RunOutcome): number | undefined => (isMeasured(run) ? run.secondsPerEpoch : undefined);
  const r = ratio(seconds(adaptive), seconds(random));
  return {
    randomSecondsPerEpoch: seconds(random) ?? null,
    adaptiveSecondsPerEpoch: seconds(adaptive) ?? null,
    ratio: r,
    met: r !== null && r <= PIPELINE_TARGETS.adaptiveRatio,
  };
}
