import type { EpochRecord } from '@pff/contracts';
import { createMetricsRegistry, RunMetrics, type Registry } from '@pff/telemetry';
import type { TrainProgress } from '@pff/trainer';
import type { LiveProgress } from './control/run-view.js';
import type { RunObserver } from './pipeline-run.js';
import type { RunRecord } from './run-store.js';

/** What a running run reports, as runStoredRun takes it. */
export interface RunObservers {
  readonly onProgress: (progress: TrainProgress) => void;
  readonly onChapter: (record: EpochRecord) => void;
  readonly observer: RunObserver;
}

/**
 * The scheduler's view of its runs in progress: their live progress (for the REST API's
 * run resource, between checkpoints) and their Prometheus metrics.
 */
export class RunTelemetry {
  readonly registry: Registry;
  private readonly metrics: RunMetrics;
  private readonly progress = new Map<string, LiveProgress>();

  constructor(processMetrics: boolean, records: () => readonly RunRecord[]) {
    this.registry = createMetricsRegistry('scheduler', { processMetrics });
    this.metrics = new RunMetrics(this.registry, () => {
      const counts: Record<string, number> = { SCHEDULED: 0, RUNNING: 0, FINISHED: 0, FAILED: 0, KILLED: 0 };
      for (const r of records()) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return counts;
    });
  }

  live(runId: string): LiveProgress | undefined {
    return this.progress.get(runId);
  }

  /** The listeners of one run; `trainCount` is its training set's size (known once the run has loaded its data). */
  observersFor(runId: string, trainCount: () => number): RunObservers {
    const { metrics } = this;
    return {
      onProgress: (p) => {
        const rate = p.samplesPerSecond > 0 ? trainCount() / p.samplesPerSecond : null;
        const etaSeconds = rate === null ? null : (p.epochs - p.epoch) * rate;
        this.progress.set(runId, { epoch: p.epoch, samplesPerSecond: p.samplesPerSecond, loss: p.loss, etaSeconds, trainSeconds: rate === null ? 0 : p.epoch * rate });
        metrics.update(runId, p);
      },
      onChapter: (r) => {
        if (r.accuracy !== undefined) metrics.evaluated(runId, r.accuracy);
      },
      observer: { shareRound: (stage, seconds) => metrics.shareRound(stage, seconds), inFlight: (n) => metrics.inFlight(runId, n) },
    };
  }

  /** The run stopped training (finished, failed, killed, or interrupted by a shutdown). */
  stopped(record: RunRecord): void {
    this.progress.delete(record.runId);
    if (record.summary) this.metrics.evaluated(record.runId, record.summary.accuracy);
    if (record.status !== 'RUNNING') this.metrics.ended(record.runId);
  }
}
