import { Gauge, Histogram, type Registry } from 'prom-client';

/** How many finished runs keep their series (so a dashboard still shows how they ended). */
const KEEP_ENDED = 20;

export interface RunState {
  readonly epoch: number;
  readonly epochs: number;
  readonly samplesPerSecond: number;
  readonly loss: number;
}

/**
 * The scheduler's metrics: per run (label run; the latest KEEP_ENDED ended runs keep
 * theirs) accuracy, epoch, progress, throughput and loss; runs by status; and the
 * duration of parameter-sharing rounds.
 */
export class RunMetrics {
  private readonly accuracy: Gauge;
  private readonly epoch: Gauge;
  private readonly progress: Gauge;
  private readonly throughput: Gauge;
  private readonly loss: Gauge;
  private readonly batchesInFlight: Gauge;
  private readonly sync: Histogram;
  private readonly endedRuns: string[] = [];

  constructor(registry: Registry, countByStatus: () => Record<string, number>) {
    const registers = [registry];
    const labelNames = ['run'];
    this.accuracy = new Gauge({ name: 'pff_run_accuracy', help: 'Latest test-set accuracy of the run (fraction)', labelNames, registers });
    this.epoch = new Gauge({ name: 'pff_run_epoch', help: 'Epochs of training done (fractional)', labelNames, registers });
    this.progress = new Gauge({ name: 'pff_run_progress_ratio', help: 'Fraction of the run\'s epochs done', labelNames, registers });
    this.throughput = new Gauge({ name: 'pff_run_samples_per_second', help: 'Training samples per second through the whole network', labelNames, registers });
    this.loss = new Gauge({ name: 'pff_run_loss', help: 'Running mean FF loss over the layers', labelNames, registers });
    this.batchesInFlight = new Gauge({ name: 'pff_run_batches_in_flight', help: 'Batches sent into the pipeline and not yet through its last stage', labelNames, registers });
    this.sync = new Histogram({
      name: 'pff_share_round_seconds', help: 'Duration of a parameter-sharing round (request to average adopted), scheduler side', labelNames: ['stage'], registers,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    new Gauge({
      name: 'pff_runs', help: 'Runs the scheduler knows, by status', labelNames: ['status'], registers,
      collect() {
        for (const [status, n] of Object.entries(countByStatus())) this.set({ status }, n);
      },
    });
  }

  update(run: string, state: RunState): void {
    this.epoch.set({ run }, state.epoch);
    this.progress.set({ run }, state.epochs > 0 ? state.epoch / state.epochs : 0);
    this.throughput.set({ run }, state.samplesPerSecond);
    if (Number.isFinite(state.loss)) this.loss.set({ run }, state.loss);
  }

  inFlight(run: string, batches: number): void {
    this.batchesInFlight.set({ run }, batches);
  }

  evaluated(run: string, accuracy: number): void {
    this.accuracy.set({ run }, accuracy);
  }

  shareRound(stage: number, seconds: number): void {
    this.sync.observe({ stage: String(stage) }, seconds);
  }

  /** The run ended: its series stay until KEEP_ENDED newer runs have ended. */
  ended(run: string): void {
    this.batchesInFlight.remove({ run });
    this.throughput.set({ run }, 0);
    this.endedRuns.push(run);
    while (this.endedRuns.length > KEEP_ENDED) {
      const old = this.endedRuns.shift()!;
      for (const g of [this.accuracy, this.epoch, this.progress, this.throughput, this.loss]) g.remove({ run: old });
    }
  }
}
