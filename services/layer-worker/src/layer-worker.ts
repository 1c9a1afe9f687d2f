import { decodeMessage, parseRunSpec, RUNS_TOPIC, type RunAnnouncement } from '@pff/contracts';
import { networkConfigOf } from '@pff/trainer';
import type { StageMetrics } from '@pff/telemetry';
import type { Broadcast, Subscription, Transport } from '@pff/transport';
import { RunMember, type MemberCounts } from './run-member.js';

export interface LayerWorkerDeps {
  readonly transport: Transport;
  /** The pipeline stage this worker trains, in every run that has it. */
  readonly stage: number;
  /** This replica's name, unique among the stage's replicas (e.g. the pod name). */
  readonly replica: string;
  /** Batches a replica holds at once: one in training, the next already here. */
  readonly prefetch?: number;
  readonly joinTimeoutMs?: number;
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
  readonly metrics?: StageMetrics;
}

export interface LayerWorker {
  start(): Promise<void>;
  /** Graceful: stop taking batches, finish the ones in hand, leave every run. Idempotent. */
  close(): Promise<void>;
  /** Runs this worker trains in, with what it did in each. */
  runs(): ReadonlyMap<string, MemberCounts>;
}

/**
 * A layer-worker: listens for run announcements and takes part, as one replica of its
 * stage, in every running run that has that stage; leaves a run when it ends.
 */
export function createLayerWorker(deps: LayerWorkerDeps): LayerWorker {
  const log = deps.log ?? (() => undefined);
  const members = new Map<string, RunMember>();
  const joining = new Set<string>();
  let announcements: Subscription | null = null;
  let closed: Promise<void> | null = null;

  const join = async (run: RunAnnouncement): Promise<void> => {
    joining.add(run.runId);
    try {
      const spec = parseRunSpec(run.spec);
      const member = new RunMember({
        transport: deps.transport,
        run,
        network: networkConfigOf(spec, run.inputSize, run.labelScale),
        stage: deps.stage,
        replica: deps.replica,
        prefetch: deps.prefetch ?? 2,
        clock: deps.clock ?? (() => performance.now()),
        log,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      });
      members.set(run.runId, member);
      try {
        await member.join(deps.joinTimeoutMs ?? 30_000);
        log(`stage ${deps.stage}: joined run ${run.runId} as ${deps.replica}`);
      } catch (error) {
        members.delete(run.runId);
        await member.leave();
        throw error;
      }
    } finally {
      joining.delete(run.runId);
    }
  };

  const onAnnouncement = (m: Broadcast): void => {
    if (closed) return;
    let run: RunAnnouncement;
    try {
      run = decodeMessage(m.body, ['run']).message;
    } catch (error) {
      log(`ignored a run announcement: ${(error as Error).message}`);
      return;
    }
    if (run.status === 'ended') {
      const member = members.get(run.runId);
      if (member) {
        members.delete(run.runId);
        void member.leave().then(() => log(`stage ${deps.stage}: left run ${run.runId}`));
      }
      return;
    }
    const current = members.get(run.runId);
    if (current && current.attempt !== run.attempt && !joining.has(run.runId)) {
      // The scheduler restarted the run from a checkpoint: join its new attempt afresh.
      members.delete(run.runId);
      joining.add(run.runId);
      void current.leave().finally(() => joining.delete(run.runId));
      return;
    }
    if (deps.stage >= run.stages.length || members.has(run.runId) || joining.has(run.runId)) return;
    join(run).catch((error: unknown) => log(`stage ${deps.stage}: could not join run ${run.runId}: ${(error as Error).message}`));
  };

  return {
    async start() {
      announcements = await deps.transport.subscribe(RUNS_TOPIC, onAnnouncement);
    },
    close() {
      closed ??= (async () => {
        await announcements?.cancel().catch(() => undefined);
        // Runs go on without this replica: what it trained is committed before it goes.
        await Promise.allSettled([...members.values()].map((m) => m.leave({ commitFirst: true })));
        members.clear();
      })();
      return closed;
    },
    runs() {
      return new Map([...members].map(([id, m]) => [id, m.counts]));
    },
  };
}
