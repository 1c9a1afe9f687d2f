import { Histogram, type Registry } from 'prom-client';

/** The API's request durations, by method, route pattern (never the raw URL) and status. */
export function createHttpMetrics(registry: Registry): { observe(method: string, route: string, status: number, seconds: number): void } {
  const duration = new Histogram({
    name: 'pff_http_request_duration_seconds', help: 'HTTP request durations of the API', labelNames: ['method', 'route', 'status_code'], registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  });
  return {
    observe(method, route, status, seconds) {
      duration.observe({ method, route, status_code: String(status) }, seconds);
    },
  };
}
