import { inFlightWindow, type PipelinePlan } from '@pff/scheduler';
import type { ProcessSample, SoakSample } from './soak-sampler.js';
import { trendOf, type Trend } from './trend.js';

const MIB = 1024 * 1024;


/**
 * The most messages a stage queue can hold, ready plus unacknowledged: the window, plus
 * what the stage's replicas may hold unacknowledged, `prefetch + commitEvery` each (the
 * batch in hand and the next, and the trained batches a replica acknowledges only once
 * a commit round has stored parameters that include them; see RunMember.startConsuming).
 */
export function stageDepthBound(plan: PipelinePlan, prefetch: number, commitEvery: number): number {
  return inFlightWindow(plan) + Math.max(...plan.replicas) * (prefetch + commitEvery);
}

/** Every process with no run: sampled between two runs, once the workers have left the last. */
export interface IdlePoint {
  readonly t: number;
  /** The run that had just finished. */
  readonly after: string;
  readonly processes: Readonly<Record<string, ProcessSample>>;
}

export interface ProcessTrends {
  readonly continuous: Readonly<Record<keyof ProcessSample, Trend>>;
  /**
   * The heap's floor after the warm-up: the heap used after each major GC that happened
   * after it (a value measured before, however long it stays, says nothing of the soak),
   * and how many such GCs there were.
   */
  readonly heapFloor: Trend & { readonly gcs: number; readonly gcSeconds: number };
  /** numTensors, their bytes and the sampled heap at every idle point after the warm-up, in order. */
  readonly idle: { readonly tensors: number[]; readonly tensorBytes: number[]; readonly heapUsed: number[] };
}

export interface SoakVerdict {
  /** Seconds into the soak where the warm-up ended: the first idle point at or after the warm-up time. */
  readonly warmupEnd: number | null;
  readonly processes: Readonly<Record<string, ProcessTrends>>;
  readonly window: number;
  readonly depthBound: number;
  readonly queues: {
    readonly stageMax: number; readonly stageReadyMax: number; readonly stageUnackedMax: number; readonly stageSumMax: number;
    readonly eventsMax: number; readonly inFlightMax: number;
  };
  readonly checks: Readonly<Record<string, { readonly pass: boolean; readonly detail: string }>>;
  readonly pass: boolean;
}

export interface SoakLimits {
  readonly warmupSeconds: number;
  /** The most a process's V8 heap may grow per minute after the warm-up (least-squares slope). */
  readonly heapSlopeMiBPerMinute: number;
  /** inFlightWindow of the runs' plan. */
  readonly window: number;
  /** stageDepthBound of the runs' plan. */
  readonly depthBound: number;
}

/**
 * Judges a soak: (1) at every idle point after the warm-up, each process holds exactly
 * as many tfjs tensors (and bytes) as at the first: anything a run leaks stays after it;
 * (2) no process's heap floor (heap used after a major GC) grows faster than the limit
 * after the warm-up; (3) no run has
 * more batches in flight, and no stage queue more batches waiting, than the scheduler's
 * window, and no stage queue holds more than its depth bound; (4) it had at least two
 * idle points after the warm-up to compare.
 */
export function judgeSoak(samples: readonly SoakSample[], idle: readonly IdlePoint[], limits: SoakLimits): SoakVerdict {
  const warmupEnd = idle.find((p) => p.t >= limits.warmupSeconds)?.t ?? null;
  const after = idle.filter((p) => warmupEnd !== null && p.t >= warmupEnd);
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.processes)))].sort();
  const processes: Record<string, ProcessTrends> = {};
  for (const name of names) {
    const fields = Object.keys(samples.find((s) => s.processes[name])!.processes[name]!) as Array<keyof ProcessSample>;
    const series = (field: keyof ProcessSample): Array<[number, number]> =>
      samples.flatMap((s) => (s.processes[name] ? [[s.t, s.processes[name][field]] as [number, number]] : []));
    const continuous = Object.fromEntries(fields.map((f) => [f, trendOf(series(f), warmupEnd ?? Infinity)])) as Record<keyof ProcessSample, Trend>;
    const idleOf = (field: keyof ProcessSample): number[] => after.flatMap((p) => (p.processes[name] ? [p.processes[name][field]] : []));
    const sinceWarmup = (field: keyof ProcessSample): Array<[number, number]> => series(field).filter(([t]) => warmupEnd !== null && t >= warmupEnd);
    const gcs = sinceWarmup('majorGcs');
    const gcSeconds = sinceWarmup('majorGcSeconds');
    const floor = sinceWarmup('heapAfterGc').filter((_, i) => gcs[i]![1] > gcs[0]![1]);
    const growth = (points: Array<[number, number]>): number => (points.length > 0 ? points.at(-1)![1] - points[0]![1] : 0);
    processes[name] = {
      continuous,
      heapFloor: { ...trendOf(floor, 0), gcs: growth(gcs), gcSeconds: growth(gcSeconds) },
      idle: { tensors: idleOf('tensors'), tensorBytes: idleOf('tensorBytes'), heapUsed: idleOf('heapUsed') },
    };
  }
  const queues = {
    stageMax: Math.max(0, ...samples.map((s) => s.queues.stageMax)),
    stageReadyMax: Math.max(0, ...samples.map((s) => s.queues.stageReadyMax)),
    stageUnackedMax: Math.max(0, ...samples.map((s) => s.queues.stageUnackedMax)),
    stageSumMax: Math.max(0, ...samples.map((s) => s.queues.stageSum)),
    eventsMax: Math.max(0, ...samples.map((s) => s.queues.events)),
    inFlightMax: Math.max(0, ...samples.map((s) => s.inFlight)),
  };
  const entries = Object.entries(processes);
  const grown = entries.filter(([, p]) => new Set(p.idle.tensors).size > 1 || new Set(p.idle.tensorBytes).size > 1);
  // A process that needed no major GC after the warm-up has no floor to compare, and no heap to speak of growing.
  const steep = entries.filter(([, p]) => (p.heapFloor.slopePerMinute ?? 0) > limits.heapSlopeMiBPerMinute * MIB);
  const checks = {
    idlePoints: { pass: after.length >= 2, detail: `${after.length} idle points after the warm-up (at least 2 to compare)` },
    tensorsFlat: {
      pass: after.length >= 2 && grown.length === 0,
      detail: entries.map(([n, p]) => `${n} ${p.idle.tensors.join('/')}`).join('; '),
    },
    heapSlope: {
      pass: steep.length === 0,
      detail: entries.map(([n, p]) => `${n} ${mib(p.heapFloor.slopePerMinute)} MiB/min after GC (${p.heapFloor.gcs} major GCs; sampled heap ${mib(p.continuous.heapUsed.slopePerMinute)})`)
        .join('; ') + ` (limit ${limits.heapSlopeMiBPerMinute} MiB/min)`,
    },
    queuesBounded: {
      pass: queues.stageReadyMax <= limits.window && queues.inFlightMax <= limits.window && queues.stageMax <= limits.depthBound,
      detail: `batches in flight at most ${queues.inFlightMax} and waiting in a stage queue at most ${queues.stageReadyMax} (window ${limits.window}); `
        + `deepest stage queue ${queues.stageMax} (${queues.stageUnackedMax} held by workers at most; bound ${limits.depthBound})`,
    },
  };
  return { warmupEnd, processes, window: limits.window, depthBound: limits.depthBound, queues, checks, pass: Object.values(checks).every((c) => c.pass) };
}

/** Bytes (or bytes per minute) as MiB with two decimals; '-' for none. */
export function mib(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? '-' : (bytes / MIB).toFixed(2);
}
