import { formatTable } from './format-table.js';
import type { ApiRow } from './api-latency.js';

/** The target for GET routes under load while a run trains. */
export const API_TARGET_P99_MS = 50;

/** GET /runs/:id while training over idle, measured side by side on the same machine. */
export interface ApiRatios {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly requestsPerSecond: number | null;
}

export function apiTable(rows: readonly ApiRow[], valid: boolean): { table: string; ratios: ApiRatios } {
  const idle = rows.find((r) => !r.training && r.route === '/runs/:id');
  const busy = rows.find((r) => r.training && r.route === '/runs/:id');
  const ratio = (a: number | undefined, b: number | undefined): number | null => (a !== undefined && b !== undefined && b > 0 ? a / b : null);
  const ratios: ApiRatios = {
    p50: ratio(busy?.p50Ms, idle?.p50Ms),
    p99: ratio(busy?.p99Ms, idle?.p99Ms),
    requestsPerSecond: ratio(busy?.requestsPerSecond, idle?.requestsPerSecond),
  };
  const table = formatTable(
    ['route', 'run', 'p50 ms', 'p90 ms', `p99 ms (<= ${API_TARGET_P99_MS})`, 'max ms', 'req/s', 'non-2xx', 'errors', 'loop p99 ms', 'loop max ms', 'epochs'],
    rows.map((r) => [
      r.route, r.training ? 'training' : 'idle', r.p50Ms, r.p90Ms, r.p99Ms, r.maxMs, Math.round(r.requestsPerSecond), r.non2xx, r.errors + r.timeouts,
      r.eventLoopDelayP99Ms.toFixed(0), r.eventLoopDelayMaxMs.toFixed(0), `${r.run.epochBefore.toFixed(2)}-${r.run.epochAfter.toFixed(2)}`,
    ]),
  );
  const fmt = (x: number | null): string => (x === null ? '-' : `${x.toFixed(2)}x`);
  const lines = [
    table,
    `GET /runs/:id training / idle: p50 ${fmt(ratios.p50)}, p99 ${fmt(ratios.p99)}, req/s ${fmt(ratios.requestsPerSecond)}`,
    'loop = event-loop delay of the process serving the API (API, scheduler and broker share it); epochs = the run\'s progress before-after',
  ];
  if (!valid) lines.push('NOT VALID: the run was not RUNNING throughout every loaded measurement');
  return { table: lines.join('\n'), ratios };
}
