import { TERMINAL_STATUSES, type RunResource, type RunSpecInput, type RunStatus } from '@pff/contracts';

/** The few API calls the api suite makes around its measurements (not the load itself). */
export interface BenchApiClient {
  createRun(id: string, spec: Partial<RunSpecInput>): Promise<RunResource>;
  getRun(id: string): Promise<RunResource>;
  stopRun(id: string): Promise<RunResource>;
  /** Polls GET /runs/:id until `done` holds; fails after `timeoutMs` or on a terminal status `done` does not accept. */
  waitForRun(id: string, done: (run: RunResource) => boolean, timeoutMs: number): Promise<RunResource>;
}

export class BenchApiError extends Error {
  readonly code = 'PFF_BENCH_API';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchApiError';
  }
}

export function benchApiClient(baseUrl: string, token: string): BenchApiClient {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<RunResource> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new BenchApiError(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as RunResource;
  };
  const getRun = (id: string): Promise<RunResource> => call('GET', `/runs/${id}`);
  return {
    createRun: (id, spec) => call('POST', '/runs', { id, spec }),
    getRun,
    stopRun: (id) => call('POST', `/runs/${id}/stop`, {}),
    async waitForRun(id, done, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const run = await getRun(id);
        if (done(run)) return run;
        if ((TERMINAL_STATUSES as readonly RunStatus[]).includes(run.status)) {
          throw new BenchApiError(`run ${id} ended ${run.status}${run.error ? `: ${run.error}` : ''} before the bench could use it`);
        }
        if (performance.now() > deadline) throw new BenchApiError(`run ${id} still ${run.status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}
