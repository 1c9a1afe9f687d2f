import * as tf from '@tensorflow/tfjs-core';
import {
  decodeMessage,
  encodeMessage,
  eventsQueue,
  MessageError,
  RUNS_TOPIC,
  stageQueue,
  stageTopic,
  tensorOf,
  type Decoded,
  type EpochRecord,
  type HelloEvent,
  type LeavingEvent,
  type LayerCounts,
  type MessageOf,
  type NamedTensor,
  type RunAnnouncement,
  type RunSpec,
  type TrainedEvent,
} from '@pff/contracts';
import type { DatasetPair } from '@pff/datasets';
import { FFNetwork } from '@pff/ff-core';
import { createRng, type Rng } from '@pff/random';
import { accuracyOf, createNegativeLabels, networkConfigOf, scoreDataset, scoreDatasetInSlices, summarise, type NegativeLabels, type ProgressListener } from '@pff/trainer';
import type { Delivery, Subscription, Transport } from '@pff/transport';
import { Accounting } from './accounting.js';
import { dealShards, encodeFirstBatch, planEpoch } from './batch-producer.js';
import { ChapterStats } from './chapter-stats.js';
import { wasStopped } from './run-stopped.js';
import { Membership } from './membership.js';
import { inFlightWindow, planPipeline, type PipelinePlan } from './plan.js';
import type { PipelineSummary, RunResult } from './run-result.js';
import { StageSharing } from './stage-sharing.js';
import { stageTensors } from './stage-weights.js';
import { Waiter } from './waiter.js';

export interface PipelineOptions {
  /** Batches sent to the first stage and not yet through the last: the queues' bound. */
  readonly inFlight: number;
  /** Run announcements repeat at this interval so that workers can join any time. */
  readonly announceEveryMs: number;
  /** How long a sharing round waits for the stage's replicas. */
  readonly shareTimeoutMs: number;
  /** A replica silent for longer is not waited for. */
  readonly liveMs: number;
  /** The run fails when nothing happens for this long. */
  readonly stallMs: number;
  /** Batches a replica trains between commits of its parameters (see StageSharing). */
  readonly commitEvery: number;
  /** A stage's uncommitted batches wait at most about this long for a commit. */
  readonly commitMs: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  inFlight: 0,
  announceEveryMs: 1000,
  shareTimeoutMs: 30_000,
  liveMs: 7_000,
  stallMs: 300_000,
  commitEvery: 8,
  commitMs: 2000,
};

export interface PipelineRunDeps {
  readonly transport: Transport;
  readonly runId: string;
  readonly spec: RunSpec;
  readonly data: DatasetPair;
  readonly options?: Partial<PipelineOptions>;
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
  readonly onProgress?: ProgressListener;
  readonly onChapter?: (record: EpochRecord) => void;
  readonly signal?: AbortSignal;
  readonly resume?: ResumePoint;
  /** 0 for a new run; one more every time the run is restarted, so leftovers of earlier attempts are ignored. */
  readonly attempt?: number;
  readonly onCheckpoint?: (checkpoint: Checkpoint) => Promise<void>;
  readonly observer?: RunObserver;
}

/** What a run tells a metrics exporter besides its progress. */
export interface RunObserver {
  shareRound(stage: number, seconds: number): void;
  inFlight(batches: number): void;
}

/** Where a run restarted from its last checkpoint picks up. */
export interface ResumePoint {
  readonly chaptersDone: number;
  readonly history: readonly EpochRecord[];
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  /** Every weight of the network, by name. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** The workers' optimizer state at the checkpoint (`<weight>#slot<k>`, `<weight>#steps`), if it was kept. */
  readonly optimizer?: readonly NamedTensor[];
  readonly layers: readonly LayerCounts[];
}

/** What the run hands out after every chapter, for a store to keep. */
export interface Checkpoint {
  readonly chaptersDone: number;
  readonly history: readonly EpochRecord[];
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  readonly network: FFNetwork;
  /** The optimizer state of every stage that has one (a lone replica's), for a resumed run's workers. */
  readonly optimizer: readonly NamedTensor[];
  readonly layers: readonly LayerCounts[];
}

type SchedulerEvent = MessageOf<'hello' | 'heartbeat' | 'trained' | 'dropped' | 'params' | 'leaving'>;

/**
 * The scheduler's side of one run: it owns the spec, the epochs and chapters, the
 * negative labels and the shared parameters; it feeds the first stage with a bounded
 * number of batches in flight, counts what every layer trained, runs the sharing
 * rounds, and evaluates. Workers do the training (layer-worker).
 */
export class PipelineRun {
  private readonly options: PipelineOptions;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private readonly plan: PipelinePlan;
  private readonly network: FFNetwork;
  private readonly rng: Rng;
  private readonly accounting: Accounting;
  private readonly membership: Membership;
  private readonly waiter: Waiter;
  private readonly announcement: RunAnnouncement;
  private readonly sharing: StageSharing;
  private chapterEpochs = new Set<number>();
  private stats: ChapterStats;
  private scores: Float32Array | null = null;
  private recordEpoch = 0;
  private inFlight = 0;
  private batchesPerEpoch = 1;
  private done = 0;
  private events: Subscription | null = null;
  private announcer: NodeJS.Timeout | null = null;
  private trainStart = 0;
  private trainMs = 0;

  constructor(private readonly deps: PipelineRunDeps) {
    const { spec, data } = deps;
    this.options = { ...DEFAULT_PIPELINE_OPTIONS, ...deps.options };
    this.clock = deps.clock ?? (() => performance.now());
    this.log = deps.log ?? (() => undefined);
    this.plan = planPipeline(spec, data.train.inputSize);
    this.rng = createRng(spec.seed);
    this.network = new FFNetwork(networkConfigOf(spec, data.train.inputSize, data.train.maxValue), this.rng.fork(1));
    this.accounting = new Accounting(spec.layers.length, this.plan.stages);
    this.membership = new Membership(this.clock, this.options.liveMs);
    this.stats = new ChapterStats(spec.layers.length);
    this.sharing = new StageSharing({
      transport: deps.transport, runId: deps.runId, plan: this.plan, network: this.network, membership: this.membership,
      shareEvery: spec.shareEvery, commitEvery: this.options.commitEvery, commitMs: this.options.commitMs,
      timeoutMs: this.options.shareTimeoutMs, log: this.log, clock: this.clock,
      ...(deps.observer ? { onRound: (stage: number, seconds: number) => deps.observer?.shareRound(stage, seconds) } : {}),
    });
    this.waiter = new Waiter(this.clock, this.options.stallMs, () => this.describeStall(), deps.signal);
    this.announcement = {
      kind: 'run',
      runId: deps.runId,
      attempt: deps.attempt ?? 0,
      status: 'running',
      spec: { ...spec, layers: [...spec.layers] },
      inputSize: data.train.inputSize,
      classes: data.train.classes,
      labelScale: data.train.maxValue,
      stages: [...this.plan.stages],
      shards: this.plan.shards,
      commitEvery: this.options.commitEvery,
    };
  }

  private get queues(): string[] {
    const { runId } = this.deps;
    const first = this.plan.shards > 0 ? Array.from({ length: this.plan.shards }, (_, s) => stageQueue(runId, 0, s)) : [stageQueue(runId, 0)];
    return [...first, ...this.plan.stages.slice(1).map((_, k) => stageQueue(runId, k + 1)), eventsQueue(runId)];
  }

  private get maxInFlight(): number {
    return this.options.inFlight > 0 ? this.options.inFlight : inFlightWindow(this.plan);
  }

  async run(): Promise<RunResult> {
    const { transport, spec, data, runId } = this.deps;
    for (const queue of this.queues) await transport.declareQueue(queue);
    this.events = await transport.consume(eventsQueue(runId), (d) => this.onEvent(d), { prefetch: 64 });
    await this.announce();
    this.announcer = setInterval(() => {
      this.sharing.tick();
      void this.announce().catch((e: unknown) => this.log(`announce failed: ${String(e)}`));
    }, this.options.announceEveryMs);
    const negatives = createNegativeLabels(spec.neg, data.train.labels, data.train.classes, this.rng.fork(2), spec.adaptiveSampling);
    const pools = dealShards(data.train.count, this.plan.shards, this.rng.fork(3));
    const resume = this.deps.resume;
    const history: EpochRecord[] = [...(resume?.history ?? [])];
    let evalMs = (resume?.evalSeconds ?? 0) * 1000;
    try {
      if (resume) this.restore(resume, negatives);
      for (let chapter = (resume?.chaptersDone ?? 0) + 1; chapter <= spec.chapters; chapter++) {
        const record = await this.trainChapter(chapter, negatives, pools);
        const evalStart = this.clock();
        const last = chapter === spec.chapters;
        if (last || (spec.evalEvery > 0 && record.epoch % spec.evalEvery === 0)) {
          record.accuracy = accuracyOf(await scoreDatasetInSlices(this.network, data.test), data.test.labels, data.test.classes);
        }
        evalMs += this.clock() - evalStart;
        history.push(record);
        this.deps.onChapter?.(record);
        await this.deps.onCheckpoint?.({
          chaptersDone: chapter, history, trainSeconds: this.trainMs / 1000, evalSeconds: evalMs / 1000,
          network: this.network, layers: this.accounting.layers,
          optimizer: this.plan.stages.flatMap((_, s) => this.sharing.optimizerOf(s)),
        });
      }
      return { network: this.network, summary: await this.summarise(history, evalMs) };
    } catch (error) {
      this.network.dispose();
      throw error;
    } finally {
      await this.shutdown();
    }
  }

  /** Picks up from a checkpoint: its weights and counts, and the random streams where they were. */
  private restore(resume: ResumePoint, negatives: NegativeLabels): void {
    const { spec, data } = this.deps;
    tf.tidy(() => {
      for (const [name, v] of this.network.namedWeights()) {
        const values = resume.weights.get(name);
        if (!values || values.length !== v.size) throw new Error(`checkpoint of run ${this.deps.runId} lacks ${name}`);
        v.assign(tf.tensor(values, v.shape));
      }
    });
    resume.layers.forEach((counts, layer) => Object.assign(this.accounting.layers[layer] ?? {}, counts));
    this.sharing.restoreOptimizers(resume.optimizer ?? []);
    this.trainMs = resume.trainSeconds * 1000;
    if (spec.objective !== 'ff') return;
    for (let c = 1; c <= resume.chaptersDone; c++) negatives.forChapter(null);
    if (spec.neg === 'adaptive') this.scores = scoreDataset(this.network, data.train);
  }

  private async trainChapter(chapter: number, negatives: NegativeLabels, pools: readonly Uint32Array[]): Promise<EpochRecord> {
    const { spec, data, transport, runId } = this.deps;
    this.trainStart = this.clock();
    const perChapter = spec.epochs / spec.chapters;
    const firstEpoch = (chapter - 1) * perChapter + 1;
    this.chapterEpochs = new Set(Array.from({ length: perChapter }, (_, e) => firstEpoch + e));
    this.stats = new ChapterStats(spec.layers.length);
    const negativeLabels = spec.objective === 'ff' ? negatives.forChapter(this.scores) : null;
    const wantScores = spec.objective === 'ff' && spec.neg === 'adaptive' && this.network.head !== null;
    this.recordEpoch = firstEpoch + perChapter - 1;
    const scores = wantScores ? new Float32Array(data.train.count * data.train.classes) : null;
    this.scores = scores;
    for (let epoch = firstEpoch; epoch < firstEpoch + perChapter; epoch++) {
      const batches = planEpoch(pools, this.plan.shards > 0, spec.batch, epoch, this.rng);
      this.batchesPerEpoch = batches.length;
      for (const batch of batches) {
        await this.waiter.until(() => this.inFlight < this.maxInFlight);
        const header = {
          kind: 'batch' as const, runId, attempt: this.announcement.attempt, stage: 0, epoch, chapter, index: batch.index, position: batch.position,
          recordScores: epoch === this.recordEpoch && wantScores,
        };
        this.inFlight++;
        await transport.send(stageQueue(runId, 0, batch.shard), encodeFirstBatch(header, data.train, batch.samples, negativeLabels));
      }
    }
    // Every batch sent counts once in flight until the last stage reports it new: zero in
    // flight is the whole chapter through (O(1) per event, checked on every event).
    await this.waiter.until(() => this.inFlight === 0);
    await Promise.all(this.plan.stages.map((_, s) => this.sharing.share(s)));
    if (spec.objective === 'ff' && spec.neg === 'adaptive' && !this.network.head && chapter < spec.chapters) {
      // Goodness classifier: a 10-label pass over the training set, part of training time.
      this.scores = await scoreDatasetInSlices(this.network, data.train);
    }
    const seconds = (this.clock() - this.trainStart) / 1000;
    this.trainMs += this.clock() - this.trainStart;
    return this.stats.record(firstEpoch + perChapter - 1, chapter, seconds);
  }

  private onEvent(delivery: Delivery): Promise<void> {
    let decoded: Decoded<SchedulerEvent>;
    try {
      decoded = decodeMessage(delivery.body, ['hello', 'heartbeat', 'trained', 'dropped', 'params', 'leaving']);
      const m = decoded.message;
      if (m.runId !== this.deps.runId) throw new MessageError(`event for run ${m.runId} on run ${this.deps.runId}'s queue`);
      if (m.stage >= this.plan.stages.length) throw new MessageError(`event from stage ${m.stage}, the run has ${this.plan.stages.length}`);
    } catch (error) {
      const reason = error instanceof MessageError ? error.reason : String(error);
      this.log(`dead-lettered an event: ${reason}`);
      return delivery.deadLetter(reason);
    }
    return this.handle(decoded).then(
      () => {
        delivery.ack();
        this.waiter.wake();
      },
      (error: unknown) => {
        const reason = error instanceof MessageError ? error.reason : `unexpected: ${String(error)}`;
        return delivery.deadLetter(reason);
      },
    );
  }

  private async handle(decoded: Decoded<SchedulerEvent>): Promise<void> {
    const m = decoded.message;
    this.membership.seen(m.stage, m.replica);
    if ((m.kind === 'trained' || m.kind === 'dropped') && m.attempt !== this.announcement.attempt) return;
    if (m.kind === 'hello') await this.welcome(m);
    else if (m.kind === 'heartbeat') return;
    else if (m.kind === 'leaving') this.onLeaving(m);
    else if (m.kind === 'dropped') this.accounting.dropped(m);
    else if (m.kind === 'params') this.sharing.onParams(m, decoded);
    else this.onTrained(m, decoded);
  }

  private onTrained(m: TrainedEvent, decoded: Decoded): void {
    const fresh = this.accounting.trained(m);
    if (!fresh) return;
    if (this.chapterEpochs.has(m.epoch) && m.epoch === this.recordEpoch) this.stats.add(m);
    this.sharing.onTrained(m.stage);
    if (m.stage !== this.plan.stages.length - 1) return;
    this.inFlight--;
    this.done++;
    if (this.scores && decoded.tensors.has('scores')) {
      const classes = this.deps.data.train.classes;
      const rows = tensorOf(decoded, 'scores', [m.samples, classes], 'float32');
      const indices = tensorOf(decoded, 'indices', [m.samples], 'int32');
      indices.forEach((sample, r) => {
        if (sample >= 0 && sample < this.deps.data.train.count) this.scores!.set(rows.subarray(r * classes, (r + 1) * classes), sample * classes);
      });
    }
    this.progress();
  }

  private progress(): void {
    const { spec, data } = this.deps;
    this.deps.observer?.inFlight(this.inFlight);
    const totalSteps = this.batchesPerEpoch * spec.epochs;
    const epoch = (this.done / totalSteps) * spec.epochs;
    const elapsed = (this.trainMs + (this.clock() - this.trainStart)) / 1000;
    this.deps.onProgress?.({
      phase: 'train', chapter: Math.min(spec.chapters, Math.floor(epoch / (spec.epochs / spec.chapters)) + 1), chapters: spec.chapters,
      epoch, epochs: spec.epochs, layer: -1, layers: spec.layers.length, step: this.done, totalSteps,
      loss: this.stats.meanLoss(), samplesPerSecond: elapsed > 0 ? (epoch * data.train.count) / elapsed : 0,
    });
  }

  /** A replica shutting down: a round commits what it trained, then it no longer counts as live. */
  private onLeaving(m: LeavingEvent): void {
    this.log(`replica ${m.replica} of stage ${m.stage} is leaving`);
    void this.sharing.commitNow(m.stage).then(
      () => this.membership.gone(m.replica),
      (e: unknown) => this.log(`commit for leaving ${m.replica} failed: ${String(e)}`),
    );
  }

  /** A newcomer gets the stage's latest shared parameters and what the stage trained this chapter. */
  private async welcome(hello: HelloEvent): Promise<void> {
    const range = this.plan.stages[hello.stage]!;
    const shard = this.plan.shards > 0 ? this.membership.shardFor(hello.replica, this.plan.shards) : undefined;
    const message = encodeMessage(
      {
        kind: 'adopt', runId: this.deps.runId, stage: hello.stage, round: this.sharing.round, to: hello.replica,
        ...(shard === undefined ? {} : { shard }),
        trained: this.accounting.trainedKeys(hello.stage, this.chapterEpochs),
        // This chapter's and the one before (a delivery committed just before a chapter end can come back after it).
        committed: this.sharing.committedKeys(hello.stage, (epoch) => epoch > Math.min(...this.chapterEpochs) - this.chapterEpochs.size - 1),
      },
      [...stageTensors(this.network, range), ...this.sharing.optimizerOf(hello.stage)],
    );
    await this.deps.transport.broadcast(stageTopic(this.deps.runId, hello.stage), message);
    this.log(`replica ${hello.replica} joined stage ${hello.stage}${shard === undefined ? '' : ` (shard ${shard})`}`);
  }

  private announce(): Promise<void> {
    return this.deps.transport.broadcast(RUNS_TOPIC, encodeMessage(this.announcement));
  }

  private describeStall(): string {
    const missing = this.plan.stages.map((_, s) => s).filter((s) => this.membership.live(s).length === 0);
    return missing.length > 0 ? `no live worker for stage ${missing.join(', ')} of run ${this.deps.runId}` : `workers of run ${this.deps.runId} stopped reporting`;
  }

  private async summarise(history: EpochRecord[], evalMs: number): Promise<RunResult['summary']> {
    const { spec, data, transport } = this.deps;
    let deadLettered = 0;
    for (const queue of this.queues) deadLettered += (await transport.queueStats(`${queue}.dlq`)).ready;
    const pipeline: PipelineSummary = {
      transport: transport.kind,
      stages: this.plan.stages.map((r, s) => ({ ...r, replicas: this.plan.replicas[s]! })),
      shards: this.plan.shards,
      layers: this.accounting.layers.map((l) => ({ ...l })),
      deadLettered,
    };
    const times = { accuracy: history[history.length - 1]?.accuracy ?? 0, trainSeconds: this.trainMs / 1000, evalSeconds: evalMs / 1000 };
    return { ...summarise(spec, data, times, history), workers: spec.workers, pipeline };
  }

  /**
   * Tells the workers the run ended, stops listening, and removes the run's queues and
   * topics. An aborted run (the scheduler shutting down) only stops: a restarted
   * scheduler resumes it, with a new attempt, on the same queues. A run a user stopped
   * ends like a finished one.
   */
  private async shutdown(): Promise<void> {
    if (this.announcer) clearInterval(this.announcer);
    this.waiter.dispose();
    const { transport } = this.deps;
    if (this.deps.signal?.aborted && !wasStopped(this.deps.signal)) {
      await this.events?.cancel().catch(() => undefined);
      return;
    }
    await transport.broadcast(RUNS_TOPIC, encodeMessage({ ...this.announcement, status: 'ended' })).catch(() => undefined);
    await this.events?.cancel().catch(() => undefined);
    for (const queue of this.queues) await transport.deleteQueue(queue).catch(() => undefined);
    for (let stage = 0; stage < this.plan.stages.length; stage++) {
      await transport.deleteTopic(stageTopic(this.deps.runId, stage)).catch(() => undefined);
    }
  }
}
