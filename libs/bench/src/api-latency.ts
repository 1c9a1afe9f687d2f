import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface RouteLoad {
  readonly baseUrl: string;
  readonly path: string;
  /** Bearer token; omitted for public routes. */
  readonly token?: string;
  readonly connections: number;
  readonly seconds: number;
}

/** What one autocannon run saw on one route, and how late this process's event loop ran meanwhile. */
export interface RouteLatency {
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  /** Latencies in ms (autocannon's histogram: whole ms, 2xx responses only, hence non2xx beside them). */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Event-loop delay of the process serving the API (API, scheduler and embedded broker share it). */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
}

/** One measurement: a route, whether a run trained meanwhile, and what the run did during it. */
export interface ApiRow extends RouteLatency {
  readonly route: string;
  readonly training: boolean;
  readonly run: { readonly id: string; readonly statusBefore: string; readonly statusAfter: string; readonly epochBefore: number; readonly epochAfter: number };
}

/**
 * Drives one route with `connections` keep-alive clients for `seconds`. The load runs in
 * an autocannon worker thread, so its own work does not sit on the event loop it
 * measures; it still takes CPU from the same machine.
 */
export async function measureRoute(load: RouteLoad): Promise<RouteLatency> {
  // The event-loop monitor covers the load itself, not the load generator's start-up.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `${load.baseUrl}${load.path}`,
      connections: load.connections,
      duration: load.seconds,
      workers: 1,
      ...(load.token ? { headers: { authorization: `Bearer ${load.token}` } } : {}),
    }, (error: unknown, done: autocannon.Result) => {
      loop.disable();
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
      else resolve(done);
    });
    instance.on('start', () => loop.enable());
  });
  return {
    path: load.path,
    connections: load.connections,
    seconds: load.seconds,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    meanMs: result.latency.average,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / Math.max(result.duration, 1e-9),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    eventLoopDelayP99Ms: loop.count > 0 ? loop.percentile(99) / 1e6 : 0,
    eventLoopDelayMaxMs: loop.count > 0 ? loop.max / 1e6 : 0,
  };
}
