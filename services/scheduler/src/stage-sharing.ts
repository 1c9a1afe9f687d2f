import { encodeMessage, stageTopic, type Decoded, type ParamsEvent } from '@pff/contracts';
import type { FFNetwork } from '@pff/ff-core';
import type { Transport } from '@pff/transport';
import type { Membership } from './membership.js';
import type { PipelinePlan } from './plan.js';
import { ShareRound } from './share-round.js';
import { loadStageParams, readStageParams, stageTensors } from './stage-weights.js';

export interface StageSharingDeps {
  readonly transport: Transport;
  readonly runId: string;
  readonly plan: PipelinePlan;
  /** The scheduler's copy of the network: it holds every stage's latest shared parameters. */
  readonly network: FFNetwork;
  readonly membership: Membership;
  /** Batches per replica between rounds that do not stop the pipeline (0: chapter ends only). */
  readonly shareEvery: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Told how long each finished round took. */
  readonly onRound?: (stage: number, seconds: number) => void;
}

/**
 * Parameter sharing among a stage's replicas: a round asks every live replica for its
 * parameters, averages them weighted by the samples each trained since it last adopted,
 * keeps the average as the stage's shared parameters and broadcasts it. Rounds of a stage
 * never overlap.
 */
export class StageSharing {
  private readonly rounds = new Map<number, ShareRound>();
  private readonly inProgress = new Map<number, Promise<void>>();
  private readonly sinceShare: number[];
  private counter = 0;

  constructor(private readonly deps: StageSharingDeps) {
    this.sinceShare = deps.plan.stages.map(() => 0);
  }

  /** The number of the latest round (a newcomer's parameters are as of that round). */
  get round(): number {
    return this.counter;
  }

  /** A replica's parameters arrived. */
  onParams(event: ParamsEvent, decoded: Decoded): void {
    const round = this.rounds.get(event.stage);
    if (round) round.add(event, readStageParams(decoded, this.deps.network, this.deps.plan.stages[event.stage]!));
  }

  /** A stage trained a batch: every `shareEvery` batches per replica, a round that does not stop the pipeline. */
  onTrained(stage: number): void {
    const replicas = this.deps.membership.live(stage).length;
    const every = this.deps.shareEvery;
    if (every === 0 || replicas < 2) return;
    this.sinceShare[stage]!++;
    if (this.sinceShare[stage]! >= every * replicas && !this.inProgress.has(stage)) {
      this.sinceShare[stage] = 0;
      void this.share(stage).catch((e: unknown) => this.deps.log(`sharing round of stage ${stage} failed: ${String(e)}`));
    }
  }

  /** Runs a round of the stage once the one in progress (if any) is over. */
  share(stage: number): Promise<void> {
    const next = (this.inProgress.get(stage) ?? Promise.resolve()).then(() => this.runRound(stage));
    const settled = next.catch(() => undefined);
    this.inProgress.set(stage, settled);
    void settled.then(() => {
      if (this.inProgress.get(stage) === settled) this.inProgress.delete(stage);
    });
    return next;
  }

  private async runRound(stage: number): Promise<void> {
    const { transport, runId, membership, network, log } = this.deps;
    const round = ++this.counter;
    const started = performance.now();
    const share = new ShareRound(stage, round, new Set(membership.live(stage)));
    this.rounds.set(stage, share);
    let timer: NodeJS.Timeout | undefined;
    // A replica that dies during the round is not waited for.
    const poll = setInterval(() => share.settleWith(new Set(membership.live(stage))), 250);
    try {
      await transport.broadcast(stageTopic(runId, stage), encodeMessage({ kind: 'share', runId, stage, round }));
      await Promise.race([share.done, new Promise((resolve) => (timer = setTimeout(resolve, this.deps.timeoutMs)))]);
    } finally {
      clearInterval(poll);
      clearTimeout(timer);
      this.rounds.delete(stage);
    }
    const average = share.average();
    if (!average) {
      log(`sharing round ${round} of stage ${stage}: no replica answered`);
      return;
    }
    log(`sharing round ${round} of stage ${stage}: ${share.describe()}`);
    const range = this.deps.plan.stages[stage]!;
    loadStageParams(network, range, average);
    await transport.broadcast(
      stageTopic(runId, stage),
      encodeMessage({ kind: 'adopt', runId, stage, round, to: '*', trained: [] }, stageTensors(network, range, average)),
    );
    this.deps.onRound?.(stage, (performance.now() - started) / 1000);
  }
}
