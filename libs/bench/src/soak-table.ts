import { formatTable } from './format-table.js';
import { mib, type SoakVerdict } from './soak-verdict.js';

/** One row per process (memory in MiB, slopes per minute after the warm-up), then the queues and every check. */
export function soakTable(verdict: SoakVerdict, checks: Readonly<Record<string, { pass: boolean; detail: string }>>, runs: number): string {
  const rows = Object.entries(verdict.processes).map(([name, p]) => {
    const c = p.continuous;
    const flat = (t: { first: number; last: number; max: number }): string => `${mib(t.first)}/${mib(t.last)}/${mib(t.max)}`;
    return [
      name, flat(c.rss), mib(c.rss.slopePerMinute), flat(c.heapUsed), mib(c.heapUsed.slopePerMinute), flat(p.heapFloor), mib(p.heapFloor.slopePerMinute), `${p.heapFloor.gcs} (${p.heapFloor.gcSeconds.toFixed(1)} s)`, flat(c.external), flat(c.arrayBuffers),
      `${c.tensors.first}/${c.tensors.last}/${c.tensors.max}`, p.idle.tensors.length > 0 ? `${p.idle.tensors[0]}..${p.idle.tensors.at(-1)}` : '-',
    ];
  });
  const table = formatTable(
    ['process', 'RSS first/last/max', 'RSS/min', 'heap first/last/max', 'heap/min', 'heap after GC first/last/max', 'after GC/min', 'major GCs (time)', 'external first/last/max', 'arrayBuffers first/last/max', 'tensors first/last/max', 'idle tensors'],
    rows,
  );
  const q = verdict.queues;
  const queues = `${runs} runs; batches in flight at most ${q.inFlightMax}, waiting in a stage queue ${q.stageReadyMax} (window ${verdict.window}); `
    + `deepest stage queue ${q.stageMax} (held by workers ${q.stageUnackedMax}; bound ${verdict.depthBound}), a run's stage queues together ${q.stageSumMax}, events ${q.eventsMax}; `
    + `warm-up ended at ${verdict.warmupEnd?.toFixed(0) ?? '-'} s`;
  const lines = Object.entries(checks).map(([name, c]) => `${c.pass ? 'ok  ' : 'FAIL'} ${name}: ${c.detail}`);
  return [`memory in MiB; slopes per minute and heap after GC from the end of the warm-up on`, table, queues, ...lines].join('\n');
}
