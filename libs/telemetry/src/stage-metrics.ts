import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a layer-worker reports after every batch it trains. */
export interface TrainedBatch {
  readonly run: string;
  readonly stage: number;
  readonly samples: number;
  readonly stepSeconds: number;
  readonly layers: readonly { readonly layer: number; readonly loss: number; readonly goodnessPositive: number; readonly goodnessNegative: number }[];
}

/**
 * A layer-worker's training metrics. Labels: run (bounded by the runs in progress: a
 * run's series go when the worker leaves it), stage and layer; never a batch.
 */
export class StageMetrics {
  private readonly loss: Gauge;
  private readonly goodness: Gauge;
  private readonly samples: Counter;
  private readonly step: Histogram;
  private readonly busy: Counter;
  private readonly busyRatio: Gauge;
  private readonly sync: Histogram;
  /** Busy seconds and wall time at the previous scrape, per run and stage, for the busy ratio. */
  private readonly window = new Map<string, { busy: number; lastBusy: number; since: number }>();
  /** The label values each run has used, to remove exactly those series when it ends. */
  private readonly seen = new Map<string, { stages: Set<string>; layers: Map<string, string> }>();

  constructor(registry: Registry, private readonly clock: () => number = () => performance.now()) {
    const registers = [registry];
    this.loss = new Gauge({ name: 'pff_layer_loss', help: 'FF loss of the layer\'s latest batch', labelNames: ['run', 'layer'], registers, aggregator: 'average' });
    this.goodness = new Gauge({ name: 'pff_layer_goodness', help: 'Mean goodness of the layer\'s latest batch, positive and negative data', labelNames: ['run', 'layer', 'data'], registers, aggregator: 'average' });
    this.samples = new Counter({ name: 'pff_samples_trained_total', help: 'Samples (positives) trained, by layer', labelNames: ['run', 'stage', 'layer'], registers });
    this.step = new Histogram({
      name: 'pff_batch_step_seconds', help: 'Time to train one batch through the stage', labelNames: ['run', 'stage'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.busy = new Counter({ name: 'pff_stage_busy_seconds_total', help: 'Seconds the stage spent training (rate() of it is the busy ratio)', labelNames: ['run', 'stage'], registers });
    const window = this.window;
    const now = this.clock;
    this.busyRatio = new Gauge({
      name: 'pff_stage_busy_ratio', help: 'Fraction of the time since the previous scrape the stage spent training', labelNames: ['run', 'stage'], registers, aggregator: 'average',
      collect() {
        for (const [key, w] of window) {
          const [run, stage] = key.split('\u0000') as [string, string];
          const elapsed = (now() - w.since) / 1000;
          this.set({ run, stage }, elapsed > 0 ? Math.min(1, (w.busy - w.lastBusy) / elapsed) : 0);
          w.lastBusy = w.busy;
          w.since = now();
        }
      },
    });
    this.sync = new Histogram({
      name: 'pff_param_sync_seconds', help: 'Parameter sharing: from the request for a replica\'s parameters to its adopting the average', labelNames: ['stage'], registers,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
  }

  trained(batch: TrainedBatch): void {
    const { run } = batch;
    const stage = String(batch.stage);
    const seen = this.seen.get(run) ?? { stages: new Set<string>(), layers: new Map<string, string>() };
    this.seen.set(run, seen);
    seen.stages.add(stage);
    for (const l of batch.layers) {
      const layer = String(l.layer);
      seen.layers.set(layer, stage);
      this.loss.set({ run, layer }, l.loss);
      this.goodness.set({ run, layer, data: 'positive' }, l.goodnessPositive);
      this.goodness.set({ run, layer, data: 'negative' }, l.goodnessNegative);
      this.samples.inc({ run, stage, layer }, batch.samples);
    }
    this.step.observe({ run, stage }, batch.stepSeconds);
    this.busy.inc({ run, stage }, batch.stepSeconds);
    const key = `${run}\u0000${stage}`;
    const w = this.window.get(key) ?? { busy: 0, lastBusy: 0, since: this.clock() };
    w.busy += batch.stepSeconds;
    this.window.set(key, w);
  }

  synced(stage: number, seconds: number): void {
    this.sync.observe({ stage: String(stage) }, seconds);
  }

  /** The worker left the run: its series go (counters restart if it joins again). */
  forget(run: string): void {
    const seen = this.seen.get(run);
    if (!seen) return;
    this.seen.delete(run);
    for (const stage of seen.stages) {
      this.step.remove({ run, stage });
      this.busy.remove({ run, stage });
      this.busyRatio.remove({ run, stage });
      this.window.delete(`${run}\u0000${stage}`);
    }
    for (const [layer, stage] of seen.layers) {
      this.loss.remove({ run, layer });
      this.goodness.remove({ run, layer, data: 'positive' });
      this.goodness.remove({ run, layer, data: 'negative' });
      this.samples.remove({ run, stage, layer });
    }
  }
}
