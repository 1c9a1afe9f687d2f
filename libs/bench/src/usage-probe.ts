import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** How busy the machine was while a run trained. */
export interface Usage {
  readonly wallSeconds: number;
  /** Process CPU time over wall time: cores busy on average (every thread; a RabbitMQ server is not counted). */
  readonly coresBusy: number;
  /** Share of the time this thread (scheduler and embedded broker, or the in-process trainer) was busy. */
  readonly mainThreadBusy: number;
}

interface Sample {
  readonly at: number;
  readonly cpu: NodeJS.CpuUsage;
  readonly loop: EventLoopUtilization;
}

/**
 * Samples CPU time and this thread's event-loop use; `sample()` on every progress event
 * brackets training (from the first finished batch to the last) and leaves out the
 * start-up and the evaluation.
 */
export function createUsageProbe(): { sample(): void; result(): Usage | null } {
  let first: Sample | null = null;
  let last: Sample | null = null;
  return {
    sample() {
      const now: Sample = { at: performance.now(), cpu: process.cpuUsage(), loop: performance.eventLoopUtilization() };
      if (first) last = now;
      else first = now;
    },
    result() {
      if (!first || !last || last.at <= first.at) return null;
      const wallSeconds = (last.at - first.at) / 1000;
      const cpuSeconds = (last.cpu.user + last.cpu.system - first.cpu.user - first.cpu.system) / 1e6;
      const mainThreadBusy = performance.eventLoopUtilization(last.loop, first.loop).utilization;
      return { wallSeconds, coresBusy: cpuSeconds / wallSeconds, mainThreadBusy };
    },
  };
}
