import { encodeMessage, epochOfKey, stageTopic, type Decoded, type NamedTensor, type ParamsEvent } from '@pff/contracts';
import type { FFNetwork } from '@pff/ff-core';
import type { Transport } from '@pff/transport';
import type { Membership } from './membership.js';
import type { PipelinePlan } from './plan.js';
import { averageOf, describeContributions, ShareRound, type Contribution } from './share-round.js';
import { loadStageParams, readStageParams, stageTensors, stageWeights } from './stage-weights.js';

export interface StageSharingDeps {
  readonly transport: Transport;
  readonly runId: string;
  readonly plan: PipelinePlan;
  /** The scheduler's copy of the network: it holds every stage's latest shared parameters. */
  readonly network: FFNetwork;
  readonly membership: Membership;
  /** Batches per replica between averaging rounds that do not stop the pipeline (0: chapter ends only). */
  readonly shareEvery: number;
  /** Batches per replica between commit rounds (the replicas hold that many deliveries unacknowledged). */
  readonly commitEvery: number;
  /** A stage with uncommitted batches gets a round at least this often, whatever its count. */
  readonly commitMs: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  readonly clock?: () => number;
  /** Told how long each finished round took. */
  readonly onRound?: (stage: number, seconds: number) => void;
}

/** An averaging round folds every replica's parameters into the stage's shared ones; a checkpoint round only keeps each replica's. */
export type RoundMode = 'average' | 'checkpoint';

/**
 * Rounds of a stage's parameters, which make training survive the loss of a replica.
 *
 * Every round asks the stage's live replicas for their parameters and the batches those
 * include, and ends with a `committed` broadcast naming the replicas the scheduler now
 * holds: only then do they acknowledge those batches' deliveries. A replica that dies
 * therefore loses nothing: what it trained since its last commit is redelivered and
 * trained again from parameters the scheduler holds.
 *
 * - Averaging rounds (the chapter end; every `shareEvery` batches; every commit of a stage
 *   planned with one replica) set the stage's shared parameters to the samples-weighted
 *   mean, including the checkpoints of replicas that left since the last average.
 * - Checkpoint rounds (commits of a stage with several replicas between its averages) keep
 *   each replica's parameters as they are, so data-parallel replicas still average only
 *   at the cadence the run asked for.
 *
 * Rounds of a stage never overlap.
 */
export class StageSharing {
  private readonly rounds = new Map<number, ShareRound>();
  private readonly inProgress = new Map<number, Promise<void>>();
  private readonly sinceShare: number[];
  private readonly sinceCommit: number[];
  private readonly lastRound: number[];
  /** Per stage: replicas' checkpointed parameters not yet folded into an average. */
  private readonly checkpoints: Array<Map<string, Contribution>>;
  /** Per stage: batches whose training the scheduler holds. */
  private readonly committed: Array<Set<string>>;
  /** Per stage: the optimizer state that goes with its shared parameters (a lone replica's, from its last commit). */
  private readonly optimizers: Array<readonly NamedTensor[]>;
  private readonly clock: () => number;
  private counter = 0;

  constructor(private readonly deps: StageSharingDeps) {
    this.clock = deps.clock ?? (() => performance.now());
    this.sinceShare = deps.plan.stages.map(() => 0);
    this.sinceCommit = deps.plan.stages.map(() => 0);
    this.lastRound = deps.plan.stages.map(() => this.clock());
    this.checkpoints = deps.plan.stages.map(() => new Map<string, Contribution>());
    this.committed = deps.plan.stages.map(() => new Set<string>());
    this.optimizers = deps.plan.stages.map(() => []);
  }

  /** The number of the latest round (a newcomer's parameters are as of that round). */
  get round(): number {
    return this.counter;
  }

  /** Batches of the stage committed so far whose epoch passes `keep`. */
  committedKeys(stage: number, keep: (epoch: number) => boolean): string[] {
    return [...(this.committed[stage] ?? [])].filter((key) => keep(epochOfKey(key)));
  }

  /** A replica's parameters arrived; parameters that do not fit the stage throw MessageError (round or not). */
  onParams(event: ParamsEvent, decoded: Decoded): void {
    const weights = readStageParams(decoded, this.deps.network, this.deps.plan.stages[event.stage]!);
    const optimizer = [...decoded.tensors.values()].filter((t) => t.name.includes('#'));
    this.rounds.get(event.stage)?.add(event, weights, optimizer);
  }

  /** A resumed run: the optimizer state of its checkpoint, each tensor to the stage whose weight it belongs to. */
  restoreOptimizers(tensors: readonly NamedTensor[]): void {
    this.deps.plan.stages.forEach((range, stage) => {
      const names = new Set(stageWeights(this.deps.network, range).map(([name]) => name));
      this.optimizers[stage] = tensors.filter((t) => names.has(t.name.slice(0, t.name.indexOf('#'))));
    });
  }

  /** The optimizer state that goes with the stage's shared parameters, for a newcomer (none after an average of several). */
  optimizerOf(stage: number): readonly NamedTensor[] {
    return this.optimizers[stage] ?? [];
  }

  /** A stage trained a batch: every `shareEvery` batches per replica an averaging round, every `commitEvery` a commit. */
  onTrained(stage: number): void {
    const replicas = Math.max(1, this.deps.membership.live(stage).length);
    const every = this.deps.shareEvery;
    this.sinceCommit[stage]!++;
    if (every > 0 && replicas >= 2) this.sinceShare[stage]!++;
    if (this.inProgress.has(stage)) return;
    if (every > 0 && replicas >= 2 && this.sinceShare[stage]! >= every * replicas) this.start(stage, 'average');
    else if (this.sinceCommit[stage]! >= this.deps.commitEvery * replicas) this.start(stage, this.commitMode(stage));
  }

  /** Called every second or so: a stage whose batches wait for a commit for too long gets one. */
  tick(): void {
    const now = this.clock();
    this.sinceCommit.forEach((pending, stage) => {
      if (pending > 0 && !this.inProgress.has(stage) && now - this.lastRound[stage]! >= this.deps.commitMs) this.start(stage, this.commitMode(stage));
    });
  }

  /** A replica is leaving: commit what it trained (resolves when the round is over). */
  commitNow(stage: number): Promise<void> {
    return this.share(stage, this.commitMode(stage));
  }

  /** Runs a round of the stage once the one in progress (if any) is over. */
  share(stage: number, mode: RoundMode = 'average'): Promise<void> {
    if (mode === 'average') this.sinceShare[stage] = 0;
    this.sinceCommit[stage] = 0;
    const next = (this.inProgress.get(stage) ?? Promise.resolve()).then(() => this.runRound(stage, mode));
    const settled = next.catch(() => undefined);
    this.inProgress.set(stage, settled);
    void settled.then(() => {
      this.lastRound[stage] = this.clock();
      if (this.inProgress.get(stage) === settled) this.inProgress.delete(stage);
    });
    return next;
  }

  private start(stage: number, mode: RoundMode): void {
    void this.share(stage, mode).catch((e: unknown) => this.deps.log(`${mode} round of stage ${stage} failed: ${String(e)}`));
  }

  /** A stage planned with one replica has no averaging cadence to keep: its commits set its shared parameters. */
  private commitMode(stage: number): RoundMode {
    return this.deps.plan.replicas[stage] === 1 ? 'average' : 'checkpoint';
  }

  private async runRound(stage: number, mode: RoundMode): Promise<void> {
    const { transport, runId, membership } = this.deps;
    const round = ++this.counter;
    const started = this.clock();
    const share = new ShareRound(stage, round, new Set(membership.live(stage)));
    this.rounds.set(stage, share);
    let timer: NodeJS.Timeout | undefined;
    // A replica that dies during the round is not waited for.
    const poll = setInterval(() => share.settleWith(new Set(membership.live(stage))), 250);
    try {
      await transport.broadcast(stageTopic(runId, stage), encodeMessage({ kind: 'share', runId, stage, round }));
      await Promise.race([share.done, new Promise((resolve) => (timer = setTimeout(resolve, this.deps.timeoutMs)))]);
    } finally {
      share.close();
      clearInterval(poll);
      clearTimeout(timer);
      this.rounds.delete(stage);
    }
    const answers = share.answers;
    for (const c of answers.values()) for (const key of c.batches) this.committed[stage]!.add(key);
    if (mode === 'checkpoint') {
      for (const [replica, c] of answers) this.checkpoints[stage]!.set(replica, c);
    } else if (!(await this.average(stage, round, answers))) return;
    await transport.broadcast(
      stageTopic(runId, stage),
      encodeMessage({ kind: 'committed', runId, stage, round, replicas: [...answers.keys()], averaged: mode === 'average' }),
    );
    this.deps.onRound?.(stage, (this.clock() - started) / 1000);
  }

  /** Folds the answers and the departed replicas' checkpoints into the stage's shared parameters; false if there was nothing. */
  private async average(stage: number, round: number, answers: ReadonlyMap<string, Contribution>): Promise<boolean> {
    const { transport, runId, network, log } = this.deps;
    const parts = new Map(answers);
    for (const [replica, c] of this.checkpoints[stage]!) if (!parts.has(replica)) parts.set(replica, c);
    const average = averageOf(parts.values());
    if (!average) {
      log(`sharing round ${round} of stage ${stage}: no replica answered`);
      return false;
    }
    log(`sharing round ${round} of stage ${stage}: ${describeContributions(parts)}`);
    this.checkpoints[stage]!.clear();
    // A lone lineage's optimizer state goes on with its parameters; an average of several has none.
    this.optimizers[stage] = parts.size === 1 ? [...parts.values()][0]!.optimizer : [];
    const range = this.deps.plan.stages[stage]!;
    loadStageParams(network, range, average);
    // A lone answer is the average: its replica has the parameters already.
    if (parts.size > 1 || answers.size === 0) {
      await transport.broadcast(
        stageTopic(runId, stage),
        encodeMessage({ kind: 'adopt', runId, stage, round, to: '*', trained: [], committed: [] }, stageTensors(network, range, average)),
      );
    }
    return true;
  }
}
