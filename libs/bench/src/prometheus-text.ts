/** One series of a Prometheus text exposition: its labels and value. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The series of every metric in a scrape, by metric name (comments skipped). Label
 * values keep their escapes: the names compared here (queues, runs, roles) have none.
 */
export function parseMetrics(text: string): Map<string, Series[]> {
  const out = new Map<string, Series[]>();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    const list = out.get(match[1]!) ?? [];
    list.push({ labels, value: Number(match[3]) });
    out.set(match[1]!, list);
  }
  return out;
}

/** The sum of a metric's series (0 when the scrape has none). */
export function total(metrics: ReadonlyMap<string, readonly Series[]>, name: string): number {
  return (metrics.get(name) ?? []).reduce((sum, s) => sum + s.value, 0);
}
