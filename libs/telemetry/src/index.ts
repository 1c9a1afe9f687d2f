export { createMetricsRegistry, scrape } from './registry.js';
export { scrapeSnapshots, type MetricsSnapshot } from './aggregate.js';
export { withTransportMetrics } from './transport-metrics.js';
export { queueKindOf } from './queue-kind.js';
export { StageMetrics, type TrainedBatch } from './stage-metrics.js';
export { RunMetrics, type RunState } from './run-metrics.js';
export { createHttpMetrics } from './http-metrics.js';
export type { Registry } from 'prom-client';
