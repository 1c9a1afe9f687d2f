import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerMemoryMetrics } from './memory-metrics.js';

/**
 * One registry per service process: prom-client's default process metrics (CPU,
 * memory, event-loop lag, GC), the thread's tfjs tensors (every registry: a worker
 * thread has an engine of its own), plus the service's `pff_` metrics, with the
 * service's role as a label on every series.
 */
export function createMetricsRegistry(role: string, options: { readonly processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  const processMetrics = options.processMetrics ?? true;
  if (processMetrics) collectDefaultMetrics({ register: registry });
  registerMemoryMetrics(registry, { process: processMetrics });
  return registry;
}

/** The text a Prometheus scrape of `registry` gets, with its content type. */
export async function scrape(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
