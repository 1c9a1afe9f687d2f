import { AggregatorRegistry, type Registry } from 'prom-client';

/** One registry's metrics as plain data (what a worker thread can post to its parent). */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * One Prometheus scrape made of several registries' snapshots (the API's, the
 * scheduler's, every worker thread's under `pff serve`): series with the same labels are
 * combined by each metric's aggregator (sum for counters and histograms; gauges say).
 */
export async function scrapeSnapshots(snapshots: readonly MetricsSnapshot[]): Promise<{ contentType: string; body: string }> {
  const combined = AggregatorRegistry.aggregate(snapshots as MetricsSnapshot[]);
  return { contentType: combined.contentType, body: await combined.metrics() };
}
