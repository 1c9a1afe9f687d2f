import { parseRunSpec, InvalidSpecError, type ControlRequest, type NamedTensor, type RunResource, type RunSpec } from '@pff/contracts';
import { readModelFiles } from '@pff/model-io';
import type { RunRecord, RunStore } from '../run-store.js';
import { metricHistoryOf, metricKeysOf, runResourceOf, type LiveProgress } from './run-view.js';

/** What the scheduler service lets control requests do to its runs. */
export interface RunControl {
  readonly store: RunStore;
  /** Stores a new SCHEDULED run and queues it; false when the id is taken. */
  create(runId: string, name: string | undefined, spec: RunSpec): boolean;
  /** Ends a waiting or running run as KILLED (a terminal run stays as it is); resolves once it is. */
  stop(runId: string): Promise<void>;
  live(runId: string): LiveProgress | undefined;
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly tensors?: readonly NamedTensor[];
}

/** Bounds on what control requests may ask of the scheduler. */
export interface ControlLimits {
  /** Runs SCHEDULED or RUNNING at once; a create beyond it is refused with 429 (0 = no bound). */
  readonly maxQueuedRuns: number;
}

const problem = (status: number, error: string, message: string): ControlAnswer => ({ status, body: { statusCode: status, error, message } });
const notFound = (runId: string): ControlAnswer => problem(404, 'Not Found', `run ${runId} does not exist`);

/**
 * A 429 when `maxQueuedRuns` runs are already waiting or training, else null. Counted
 * here, where every create of every API replica arrives, and in the same synchronous
 * step as the create itself, so the bound holds however many requests come at once.
 * Runs already accepted (resumed, or queued as run requests) are never refused.
 */
function queueFull(store: RunStore, { maxQueuedRuns }: ControlLimits): ControlAnswer | null {
  if (maxQueuedRuns <= 0) return null;
  const queued = store.list().filter((r) => r.status === 'SCHEDULED' || r.status === 'RUNNING').length;
  if (queued < maxQueuedRuns) return null;
  return problem(429, 'Too Many Requests', `${queued} runs are waiting or training, the most this deployment takes (PFF_MAX_QUEUED_RUNS=${maxQueuedRuns}); try again when one has ended`);
}

/** Answers one control request (the HTTP status and body the API passes on). */
export async function answer(control: RunControl, request: ControlRequest, limits: ControlLimits = { maxQueuedRuns: 0 }): Promise<ControlAnswer> {
  const { store } = control;
  const view = (record: RunRecord): RunResource => runResourceOf(record, control.live(record.runId));
  if (request.op === 'create') {
    let spec: RunSpec;
    try {
      spec = parseRunSpec(request.spec);
    } catch (error) {
      if (error instanceof InvalidSpecError) return problem(400, 'Bad Request', error.message);
      throw error;
    }
    const exists = problem(409, 'Conflict', `run ${request.runId} already exists`);
    if (store.has(request.runId)) return exists;
    const full = queueFull(store, limits);
    if (full) return full;
    if (!control.create(request.runId, request.name, spec)) return exists;
    return { status: 201, body: view(store.get(request.runId)) };
  }
  if (request.op === 'list') return { status: 200, body: listRuns(store.list(), request, view) };
  if (!store.has(request.runId)) return notFound(request.runId);
  if (request.op === 'get') return { status: 200, body: view(store.get(request.runId)) };
  if (request.op === 'stop') {
    await control.stop(request.runId);
    return { status: 200, body: view(store.get(request.runId)) };
  }
  const record = store.get(request.runId);
  if (request.op === 'history') {
    const history = metricHistoryOf(record, request.key);
    if (history) return { status: 200, body: history };
    return problem(404, 'Not Found', `run ${request.runId} has no metric ${request.key}; it has ${metricKeysOf(record.spec.layers.length).join(', ')}`);
  }
  if (record.status !== 'FINISHED') return problem(409, 'Conflict', `run ${request.runId} is ${record.status}; its model exists once it has FINISHED`);
  const files = readModelFiles(store.modelDir(request.runId));
  return { status: 200, body: { modelJson: files.modelJson }, tensors: [{ name: 'weights', shape: [files.weights.length], data: files.weights }] };
}

type ListRequest = Extract<ControlRequest, { op: 'list' }>;

/** Newest first (ties by id); `after` continues after the previous page's last run. */
function listRuns(records: readonly RunRecord[], request: ListRequest, view: (r: RunRecord) => RunResource): { runs: RunResource[]; next?: { createdAt: string; runId: string } } {
  const before = (a: { createdAt: string; runId: string }, b: { createdAt: string; runId: string }): boolean =>
    a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.runId < b.runId);
  const sorted = records
    .filter((r) => !request.status || r.status === request.status)
    .filter((r) => !request.after || before(request.after, r))
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const page = sorted.slice(0, request.limit);
  const last = page[page.length - 1];
  return { runs: page.map(view), ...(sorted.length > page.length && last ? { next: { createdAt: last.createdAt, runId: last.runId } } : {}) };
}
