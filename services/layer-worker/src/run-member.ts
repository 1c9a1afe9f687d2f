import { randomUUID } from 'node:crypto';
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
  type Committed,
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

/** What a replica sent for a round: the batches its parameters included and its sample count then. */
interface RoundPart {
  readonly keys: readonly string[];
  readonly samples: number;
}

/**
 * One replica's part in one run: it joins (hello → the stage's shared parameters),
 * consumes its stage's queue, trains, passes activations on, reports, and takes part
 * in parameter rounds. A delivery is acknowledged only once what it produced is stored
 * downstream AND the scheduler holds parameters that include its training (a round's
 * `committed`): a replica that dies loses nothing, its uncommitted batches come back
 * and are trained again from the committed parameters. Duplicates are dropped.
 */
export class RunMember {
  readonly counts: MemberCounts = { trained: 0, redelivered: 0, dropped: 0, deadLettered: 0 };
  private readonly model: StageModel;
  private readonly serial = new Serial();
  /** Batches peers trained (a fresh copy is a duplicate; a redelivered one was lost with a peer). */
  private readonly claimed = new Set<string>();
  /** Batches the scheduler holds the training of: dropped even when redelivered. */
  private readonly committed = new Set<string>();
  /** Batches this replica trained, in its parameters and not yet committed, with their delivery once it may be settled. */
  private readonly uncommitted = new Map<string, Delivery[]>();
  private readonly sentParams = new Map<number, Map<string, Float32Array>>();
  private readonly roundParts = new Map<number, RoundPart>();
  /** Shared parameters of an averaging round, applied when its `committed` says whether this replica was in it. */
  private readonly pendingAdopt = new Map<number, Map<string, Float32Array>>();
  private samplesSinceAdopt = 0;
  /** When each sharing round's request arrived, for the sync time. */
  private readonly shareAskedAt = new Map<number, number>();
  private consumer: Subscription | null = null;
  private bus: Subscription | null = null;
  private joined: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Names this membership in reports (a replica name can come back after a restart). */
  private readonly session = randomUUID().slice(0, 12);

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
    // Room for the trained batches held until their commit, besides the ones in hand.
    this.consumer = await transport.consume(queue, (d) => this.onBatch(d), { prefetch: prefetch + run.commitEvery });
  }

  private onBroadcast(m: Broadcast): void {
    let decoded: Decoded<MessageOf<'share' | 'adopt' | 'claim' | 'committed'>>;
    try {
      decoded = decodeMessage(m.body, ['share', 'adopt', 'claim', 'committed']);
    } catch (error) {
      this.deps.log(`stage ${this.deps.stage}: ignored a broadcast: ${(error as Error).message}`);
      return;
    }
    const message = decoded.message;
    if (message.runId !== this.runId || message.stage !== this.deps.stage) return;
    const failed = (what: string) => (e: unknown): void => this.deps.log(`stage ${this.deps.stage}: ${what}: ${String(e)}`);
    if (message.kind === 'claim') {
      if (message.attempt === this.attempt && message.replica !== this.deps.replica) this.claimed.add(batchKey(message.epoch, message.index));
    } else if (message.kind === 'share') {
      this.shareAskedAt.set(message.round, this.deps.clock());
      void this.serial.run(() => void this.track(this.snapshotParams(message.round)()).catch(failed('share failed'))).catch(failed('share failed'));
    } else if (message.kind === 'committed') {
      // In the serial order, after the round's adopt (if any) and between batches.
      void this.serial.run(() => this.onCommitted(message)).catch(failed(`could not settle round ${message.round}`));
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
      // With the last commit's optimizer state (a lone replica's), training goes on exactly where it was committed.
      const optimizer = new Map<string, Float32Array>();
      for (const t of decoded.tensors.values()) if (t.name.includes('#') && t.data instanceof Float32Array) optimizer.set(t.name, t.data);
      if (optimizer.size > 0 && !this.model.loadOptimizerState(optimizer)) this.deps.log(`stage ${this.deps.stage}: the optimizer state offered does not fit, starting it afresh`);
      for (const key of message.trained) this.claimed.add(key);
      for (const key of message.committed) this.committed.add(key);
      const done = this.joined;
      this.joined = null;
      void this.startConsuming(message.shard).then(done, (e: unknown) => this.deps.log(`consume failed: ${String(e)}`));
      return;
    }
    if (message.to !== '*') return;
    this.pendingAdopt.set(message.round, this.paramsOf(decoded));
  }

  /**
   * A round is over: if the scheduler holds this replica's parameters, the batches they
   * include are committed and their deliveries acknowledged. An averaging round's shared
   * parameters are adopted, keeping what was trained since the snapshot; a replica left
   * out of an average loses its own training, so its uncommitted batches go back to the
   * queue to be trained again.
   */
  private onCommitted(message: Committed): void {
    const part = this.roundParts.get(message.round);
    const sent = this.sentParams.get(message.round);
    const shared = this.pendingAdopt.get(message.round);
    for (const round of [...this.roundParts.keys()]) if (round <= message.round) this.roundParts.delete(round);
    for (const round of [...this.sentParams.keys()]) if (round <= message.round) this.sentParams.delete(round);
    this.pendingAdopt.clear();
    const included = part !== undefined && message.replicas.includes(this.deps.replica);
    if (included) {
      for (const key of part.keys) this.commit(key);
      if (message.averaged) this.samplesSinceAdopt = Math.max(0, this.samplesSinceAdopt - part.samples);
    }
    if (shared) {
      if (included && sent) this.model.adoptKeepingProgress(shared, sent);
      else {
        this.model.load(shared);
        this.handBack();
      }
    }
    const asked = this.shareAskedAt.get(message.round);
    if (asked !== undefined && message.averaged) this.deps.metrics?.synced(this.deps.stage, (this.deps.clock() - asked) / 1000);
    for (const round of [...this.shareAskedAt.keys()]) if (round <= message.round) this.shareAskedAt.delete(round);
  }

  private commit(key: string): void {
    this.committed.add(key);
    for (const delivery of this.uncommitted.get(key) ?? []) delivery.ack();
    this.uncommitted.delete(key);
  }

  /** This replica's uncommitted training is gone (it adopted parameters without it): the batches go back to the queue. */
  private handBack(): void {
    for (const copies of this.uncommitted.values()) for (const delivery of copies) delivery.requeue();
    this.uncommitted.clear();
    this.samplesSinceAdopt = 0;
  }

  private paramsOf(decoded: Decoded): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.model.namedWeights()) {
      out.set(name, tensorOf(decoded, name, v.shape, 'float32').slice());
    }
    return out;
  }

  /**
   * Takes this replica's parameters for a round (between batches) with every batch they
   * include that is not committed yet; returns their sending, which waits until what
   * those batches produced is stored downstream (so a committed batch never needs
   * sending again).
   */
  private snapshotParams(round: number): () => Promise<void> {
    const snapshot = this.model.snapshot();
    this.sentParams.set(round, snapshot);
    const tensors: NamedTensor[] = [
      ...this.model.namedWeights().map(([name, v]) => ({ name, shape: v.shape, data: snapshot.get(name)! })),
      ...this.model.optimizerState(),
    ];
    const part: RoundPart = { keys: [...this.uncommitted.keys()], samples: this.samplesSinceAdopt };
    this.roundParts.set(round, part);
    const { run, stage, replica } = this.deps;
    const message = encodeMessage({ kind: 'params', runId: run.runId, stage, replica, round, samples: part.samples, batches: [...part.keys] }, tensors);
    const followUps = [...this.inFlight];
    return async () => {
      await Promise.all(followUps);
      await this.deps.transport.send(eventsQueue(run.runId), message);
    };
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
    const copies = this.uncommitted.get(key);
    if (this.committed.has(key) || copies || (this.claimed.has(key) && !delivery.redelivered)) {
      // Trained already: by a peer (a fresh copy is a duplicate), or by this replica and
      // committed, or by this replica and not yet committed (a copy back after a lost
      // connection, or a duplicate): such a copy is settled with the batch's commit.
      this.counts.dropped++;
      copies?.push(delivery);
      return async () => {
        await this.report({ kind: 'dropped', ...identity });
        if (!copies) delivery.ack();
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
    this.uncommitted.set(key, []);
    this.samplesSinceAdopt += input.rows;
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
        kind: 'trained', ...identity, samples: input.rows, report: `${this.session}-${this.counts.trained}`, redelivered: delivery.redelivered, layers: output.layers, stepSeconds,
        ...(output.headLoss === undefined ? {} : { headLoss: output.headLoss }),
      },
      scores,
    );
    return async () => {
      // The claim tells peer replicas to drop a duplicate of this batch; the three sends
      // are confirmed together; the delivery then waits for the batch's commit.
      await Promise.all([
        transport.broadcast(stageTopic(run.runId, stage), encodeMessage({ kind: 'claim', ...identity })),
        next ? transport.send(stageQueue(run.runId, stage + 1), next) : Promise.resolve(),
        transport.send(eventsQueue(run.runId), trained),
      ]);
      const held = this.uncommitted.get(key);
      if (held) held.push(delivery);
      else if (this.committed.has(key)) delivery.ack();
      // Handed back meanwhile (the replica adopted parameters without this batch).
      else delivery.requeue();
    };
  }

  private async commitBeforeLeaving(waitMs: number): Promise<void> {
    const { run, stage, replica } = this.deps;
    const pending = this.uncommitted.size;
    try {
      await this.report({ kind: 'leaving', runId: run.runId, stage, replica });
    } catch (error) {
      this.deps.log(`stage ${stage}: could not ask for a commit before leaving: ${String(error)}`);
      return;
    }
    const asked = this.deps.clock();
    const deadline = asked + waitMs;
    // A scheduler that does not start a round within a few seconds is not there to commit anything.
    const answered = (): boolean => [...this.shareAskedAt.values()].some((at) => at >= asked);
    while (this.uncommitted.size > 0 && this.deps.clock() < deadline && (answered() || this.deps.clock() - asked < 3000)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.allSettled([...this.inFlight]);
    this.deps.log(`stage ${stage}: committed ${pending - this.uncommitted.size} of ${pending} batches before leaving run ${run.runId}`);
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

  /**
   * Stops taking batches and finishes the one in hand (publish, report). With
   * `commitFirst` (a graceful shutdown while the run goes on) it asks the scheduler for a
   * round so that what it trained is kept, for up to `commitWaitMs`; whatever is still
   * uncommitted then goes back to the queue, to be trained again by another replica.
   */
  async leave(options: { commitFirst?: boolean; commitWaitMs?: number } = {}): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.consumer?.cancel().catch(() => undefined);
    await this.serial.idle();
    const results = await Promise.allSettled([...this.inFlight]);
    for (const r of results) if (r.status === 'rejected') this.deps.log(`stage ${this.deps.stage}: leaving run ${this.runId}: ${String(r.reason)}`);
    if (options.commitFirst && this.uncommitted.size > 0) await this.commitBeforeLeaving(options.commitWaitMs ?? 20_000);
    await this.bus?.cancel().catch(() => undefined);
    await this.serial.idle();
    this.handBack();
    this.model.dispose();
    this.deps.metrics?.forget(this.runId);
  }
}
