import {
  batchKey,
  decodeMessage,
  encodeMessage,
  eventsQueue,
  MessageError,
  stageQueue,
  stageTopic,
  tensorOf,
  type ActivationBatchHeader,
  type Adopt,
  type AnyMessage,
  type Decoded,
  type MessageOf,
  type NamedTensor,
  type RunAnnouncement,
} from '@pff/contracts';
import { learningRateAt, type NetworkConfig } from '@pff/ff-core';
import { createRng } from '@pff/random';
import type { Broadcast, Delivery, Subscription, Transport } from '@pff/transport';
import { encodeNextBatch, readStageInput } from './batch-io.js';
import { Serial } from './serial.js';
import { StageModel } from './stage-model.js';
import { trainStageBatch } from './stage-step.js';
import type { StageMetrics } from '@pff/telemetry';

export interface RunMemberDeps {
  readonly transport: Transport;
  readonly run: RunAnnouncement;
  readonly network: NetworkConfig;
  readonly stage: number;
  readonly replica: string;
  readonly prefetch: number;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** How often the replica tells the scheduler it is alive. */
  readonly heartbeatMs?: number;
  /** Where the replica's training metrics go (Prometheus). */
  readonly metrics?: StageMetrics;
}

/** What a replica did in a run, by layer-batch outcome. */
export interface MemberCounts {
  trained: number;
  redelivered: number;
  dropped: number;
  deadLettered: number;
}

/**
 * One replica's part in one run: it joins (hello → the stage's shared parameters),
 * consumes its stage's queue, trains, passes activations on, reports, and takes part
 * in parameter sharing. Deliveries settle only after what they produced is stored
 * downstream (at-least-once); duplicates of batches the stage trained are dropped.
 */
export class RunMember {
  readonly counts: MemberCounts = { trained: 0, redelivered: 0, dropped: 0, deadLettered: 0 };
  private readonly model: StageModel;
  private readonly serial = new Serial();
  private readonly claimed = new Set<string>();
  private readonly sentParams = new Map<number, Map<string, Float32Array>>();
  private samplesSinceShared = 0;
  /** When each sharing round's request arrived, for the sync time. */
  private readonly shareAskedAt = new Map<number, number>();
  private consumer: Subscription | null = null;
  private bus: Subscription | null = null;
  private joined: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: RunMemberDeps) {
    const range = deps.run.stages[deps.stage]!;
    this.model = new StageModel({ network: deps.network, first: range.first, last: range.last }, createRng(deps.run.spec.seed).fork(1));
  }

  get runId(): string {
    return this.deps.run.runId;
  }

  get attempt(): number {
    return this.deps.run.attempt;
  }

  /** Subscribes to the stage's topic, says hello, and starts consuming once it has the shared parameters. */
  async join(timeoutMs: number): Promise<void> {
    const { transport, run, stage, replica } = this.deps;
    const adopted = new Promise<void>((resolve) => {
      this.joined = resolve;
    });
    this.bus = await transport.subscribe(stageTopic(run.runId, stage), (m) => this.onBroadcast(m));
    await this.report({ kind: 'hello', runId: run.runId, stage, replica });
    let quiet = false;
    this.heartbeat = setInterval(() => {
      this.report({ kind: 'heartbeat', runId: run.runId, stage, replica }).then(
        () => (quiet = false),
        (e: unknown) => {
          // Once per outage (a run that just ended has no events queue any more).
          if (!quiet && !this.closing) this.deps.log(`heartbeat failed: ${String(e)}`);
          quiet = true;
        },
      );
    }, this.deps.heartbeatMs ?? 2000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`run ${run.runId}: no parameters for stage ${stage} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([adopted, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async startConsuming(shard: number | undefined): Promise<void> {
    const { transport, run, stage, prefetch } = this.deps;
    const queue = stageQueue(run.runId, stage, run.shards > 0 ? (shard ?? 0) : undefined);
    this.consumer = await transport.consume(queue, (d) => this.onBatch(d), { prefetch });
  }

  private onBroadcast(m: Broadcast): void {
    let decoded: Decoded<MessageOf<'share' | 'adopt' | 'claim'>>;
    try {
      decoded = decodeMessage(m.body, ['share', 'adopt', 'claim']);
    } catch (error) {
      this.deps.log(`stage ${this.deps.stage}: ignored a broadcast: ${(error as Error).message}`);
      return;
    }
    const message = decoded.message;
    if (message.runId !== this.runId || message.stage !== this.deps.stage) return;
    if (message.kind === 'claim') {
      if (message.attempt === this.attempt && message.replica !== this.deps.replica) this.claimed.add(batchKey(message.epoch, message.index));
    } else if (message.kind === 'share') {
      const failed = (e: unknown): void => this.deps.log(`share failed: ${String(e)}`);
      this.shareAskedAt.set(message.round, this.deps.clock());
      void this.serial.run(() => void this.track(this.snapshotParams(message.round)()).catch(failed)).catch(failed);
    } else if (message.kind === 'adopt') {
      try {
        this.onAdopt(message, decoded);
      } catch (error) {
        // Parameters that do not fit this stage: keep training with what it has.
        this.deps.log(`stage ${this.deps.stage}: ignored shared parameters: ${(error as Error).message}`);
      }
    }
  }

  private onAdopt(message: Adopt, decoded: Decoded): void {
    if (this.joined) {
      // Joining: only the answer to this replica's hello counts.
      if (message.to !== this.deps.replica) return;
      this.model.load(this.paramsOf(decoded));
      for (const key of message.trained) this.claimed.add(key);
      const done = this.joined;
      this.joined = null;
      void this.startConsuming(message.shard).then(done, (e: unknown) => this.deps.log(`consume failed: ${String(e)}`));
      return;
    }
    if (message.to !== '*') return;
    const shared = this.paramsOf(decoded);
    void this.serial
      .run(() => {
        // A replica that took no part in the round (it joined meanwhile) takes the average as is.
        const sent = this.sentParams.get(message.round);
        if (sent) this.model.adoptKeepingProgress(shared, sent);
        else this.model.load(shared);
        this.sentParams.clear();
        const asked = this.shareAskedAt.get(message.round);
        if (asked !== undefined) this.deps.metrics?.synced(this.deps.stage, (this.deps.clock() - asked) / 1000);
        this.shareAskedAt.clear();
      })
      .catch((e: unknown) => this.deps.log(`stage ${this.deps.stage}: could not adopt round ${message.round}: ${String(e)}`));
  }

  private paramsOf(decoded: Decoded): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.model.namedWeights()) {
      out.set(name, tensorOf(decoded, name, v.shape, 'float32').slice());
    }
    return out;
  }

  /** Takes this replica's parameters for a sharing round (between batches); returns their sending. */
  private snapshotParams(round: number): () => Promise<void> {
    const snapshot = this.model.snapshot();
    this.sentParams.set(round, snapshot);
    const tensors: NamedTensor[] = this.model.namedWeights().map(([name, v]) => ({ name, shape: v.shape, data: snapshot.get(name)! }));
    const samples = this.samplesSinceShared;
    this.samplesSinceShared = 0;
    const { run, stage, replica } = this.deps;
    const message = encodeMessage({ kind: 'params', runId: run.runId, stage, replica, round, samples }, tensors);
    return () => this.deps.transport.send(eventsQueue(run.runId), message);
  }

  private async onBatch(delivery: Delivery): Promise<void> {
    let decoded: Decoded<ActivationBatchHeader>;
    try {
      decoded = decodeMessage(delivery.body, ['batch']);
      if (decoded.message.runId !== this.runId || decoded.message.stage !== this.deps.stage) {
        throw new MessageError(`batch for run ${decoded.message.runId} stage ${decoded.message.stage} reached run ${this.runId} stage ${this.deps.stage}`);
      }
    } catch (error) {
      return this.deadLetter(delivery, error);
    }
    // Training is serial (one batch at a time touches the weights); passing the outputs
    // on, reporting and acknowledging overlap with the next batch's training.
    // The follow-up is tracked inside the serial task, so `leave` always waits for it.
    let followUp: Promise<void> = Promise.resolve();
    await this.serial.run(() => {
      followUp = this.track(this.trainBatch(delivery, decoded)());
    });
    return followUp;
  }

  /** Trains the batch (or decides not to) and returns what must follow: publish, report, settle. */
  private trainBatch(delivery: Delivery, decoded: Decoded<ActivationBatchHeader>): () => Promise<void> {
    const header = decoded.message;
    const { run, stage, replica, transport } = this.deps;
    if (this.closing) {
      delivery.requeue();
      return () => Promise.resolve();
    }
    if (header.attempt !== run.attempt) {
      // Left over from before the scheduler restarted the run from a checkpoint.
      this.deps.log(`stage ${stage}: dropped a batch of attempt ${header.attempt} (run is at attempt ${run.attempt})`);
      delivery.ack();
      return () => Promise.resolve();
    }
    const key = batchKey(header.epoch, header.index);
    const identity = { runId: run.runId, attempt: run.attempt, stage, replica, epoch: header.epoch, index: header.index };
    if (this.claimed.has(key) && !delivery.redelivered) {
      this.counts.dropped++;
      return async () => {
        await this.report({ kind: 'dropped', ...identity });
        delivery.ack();
      };
    }
    let input;
    try {
      input = readStageInput(decoded, { model: this.model, maxRows: run.spec.batch, labelScale: run.labelScale });
    } catch (error) {
      return () => this.deadLetter(delivery, error);
    }
    const indices = tensorOf(decoded, 'indices', [input.rows], 'int32');
    const started = this.deps.clock();
    const spec = run.spec;
    const output = trainStageBatch(
      this.model,
      input,
      {
        learningRate: learningRateAt(spec.learningRate, header.position, spec.epochs, spec.coolDown),
        headLearningRate: learningRateAt(spec.headLearningRate, header.position, spec.epochs, spec.coolDown),
      },
      header.recordScores,
    );
    const stepSeconds = (this.deps.clock() - started) / 1000;
    this.deps.metrics?.trained({ run: run.runId, stage, samples: input.rows, stepSeconds, layers: output.layers });
    this.claimed.add(key);
    this.samplesSinceShared += input.rows;
    if (delivery.redelivered) this.counts.redelivered++;
    this.counts.trained++;
    const next = this.model.endsNetwork ? null : encodeNextBatch(header, output.next, indices);
    const scores: NamedTensor[] = output.scores
      ? [
          { name: 'scores', shape: [input.rows, output.scores.length / input.rows], data: output.scores },
          { name: 'indices', shape: [input.rows], data: indices },
        ]
      : [];
    const trained = encodeMessage(
      {
        kind: 'trained', ...identity, samples: input.rows, redelivered: delivery.redelivered, layers: output.layers, stepSeconds,
        ...(output.headLoss === undefined ? {} : { headLoss: output.headLoss }),
      },
      scores,
    );
    return async () => {
      // The claim tells peer replicas to drop a duplicate of this batch; the three sends
      // are confirmed together, and only then is the batch acknowledged.
      await Promise.all([
        transport.broadcast(stageTopic(run.runId, stage), encodeMessage({ kind: 'claim', ...identity })),
        next ? transport.send(stageQueue(run.runId, stage + 1), next) : Promise.resolve(),
        transport.send(eventsQueue(run.runId), trained),
      ]);
      delivery.ack();
    };
  }

  /** Remembers work that must finish before the member leaves. */
  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async deadLetter(delivery: Delivery, error: unknown): Promise<void> {
    const reason = error instanceof MessageError ? error.reason : `unexpected: ${(error as Error).message}`;
    this.counts.deadLettered++;
    this.deps.log(`stage ${this.deps.stage}: dead-lettered a message: ${reason}`);
    await delivery.deadLetter(reason);
  }

  private report(message: AnyMessage, tensors: readonly NamedTensor[] = []): Promise<void> {
    return this.deps.transport.send(eventsQueue(this.runId), encodeMessage(message, tensors));
  }

  /** Stops taking batches, finishes the one in hand (publish, report, ack), requeues the rest. */
  async leave(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.allSettled([this.consumer?.cancel(), this.bus?.cancel()]);
    await this.serial.idle();
    const results = await Promise.allSettled([...this.inFlight]);
    for (const r of results) if (r.status === 'rejected') this.deps.log(`stage ${this.deps.stage}: leaving run ${this.runId}: ${String(r.reason)}`);
    this.model.dispose();
    this.deps.metrics?.forget(this.runId);
  }
}
