import { parseMetrics, total, type Series } from './prometheus-text.js';
import type { QueueSample } from './soak-queues.js';

/** One process's memory at one instant, from its own /metrics. */
export interface ProcessSample {
  readonly rss: number;
  readonly heapUsed: number;
  /** The heap's floor: used just after the latest major GC. */
  readonly heapAfterGc: number;
  /** Major (mark-compact) GCs so far, and the seconds they took. */
  readonly majorGcs: number;
  readonly majorGcSeconds: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly tensors: number;
  readonly tensorBytes: number;
}

/** What `metric` of a process's scrape each field of a ProcessSample comes from. */
export const PROCESS_METRICS: Readonly<Record<Exclude<keyof ProcessSample, 'majorGcs' | 'majorGcSeconds'>, string>> = {
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapAfterGc: 'pff_heap_after_gc_bytes',
  external: 'nodejs_external_memory_bytes',
  arrayBuffers: 'pff_array_buffers_bytes',
  tensors: 'pff_tensors',
  tensorBytes: 'pff_tensor_bytes',
};

export interface SoakSample {
  /** Seconds since the soak began. */
  readonly t: number;
  readonly processes: Readonly<Record<string, ProcessSample>>;
  readonly queues: QueueSample;
  /** The scheduler's batches in flight (pff_run_batches_in_flight, over its runs). */
  readonly inFlight: number;
}

/** A process to sample: its name and where its metrics are. */
export interface SampledProcess {
  readonly name: string;
  readonly metricsUrl: string;
}

export async function sampleProcess(metricsUrl: string): Promise<{ sample: ProcessSample; metrics: Map<string, Series[]> }> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`${metricsUrl}: ${response.status}`);
  const metrics = parseMetrics(await response.text());
  const major = (name: string): number => (metrics.get(name) ?? []).filter((s) => s.labels['kind'] === 'major').reduce((n, s) => n + s.value, 0);
  const sample = {
    ...Object.fromEntries(Object.entries(PROCESS_METRICS).map(([field, name]) => [field, total(metrics, name)])),
    majorGcs: major('nodejs_gc_duration_seconds_count'),
    majorGcSeconds: major('nodejs_gc_duration_seconds_sum'),
  } as unknown as ProcessSample;
  return { sample, metrics };
}

/**
 * Samples every process and the queues every `everyMs` until stopped. A process that
 * does not answer one round is left out of that sample (and counted in `misses`).
 */
export function startSoakSampler(options: {
  readonly processes: readonly SampledProcess[];
  readonly queues: () => Promise<QueueSample>;
  readonly everyMs: number;
  readonly clock?: () => number;
}): { readonly samples: SoakSample[]; readonly misses: Map<string, number>; sampleNow(): Promise<SoakSample>; stop(): Promise<void> } {
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const samples: SoakSample[] = [];
  const misses = new Map<string, number>();
  const sampleNow = async (): Promise<SoakSample> => {
    const t = (clock() - started) / 1000;
    const processes: Record<string, ProcessSample> = {};
    let inFlight = 0;
    await Promise.all(options.processes.map(async (p) => {
      try {
        const { sample, metrics } = await sampleProcess(p.metricsUrl);
        processes[p.name] = sample;
        inFlight += total(metrics, 'pff_run_batches_in_flight');
      } catch {
        misses.set(p.name, (misses.get(p.name) ?? 0) + 1);
      }
    }));
    return { t, processes, queues: await options.queues(), inFlight };
  };
  let pending: Promise<void> = Promise.resolve();
  const tick = (): void => {
    pending = pending.then(async () => void samples.push(await sampleNow())).catch(() => void misses.set('queues', (misses.get('queues') ?? 0) + 1));
  };
  tick();
  const timer = setInterval(tick, options.everyMs);
  return {
    samples,
    misses,
    sampleNow,
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}
