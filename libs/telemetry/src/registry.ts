import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One registry per service process: prom-client's default process metrics (CPU,
 * memory, event-loop lag, GC) plus the service's `pff_` metrics, with the service's
 * role as a label on every series.
 */
export function createMetricsRegistry(role: string, options: { readonly processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The text a Prometheus scrape of `registry` gets, with its content type. */
export async function scrape(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
