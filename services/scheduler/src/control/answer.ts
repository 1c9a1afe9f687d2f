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

const problem = (status: number, error: string, message: string): ControlAnswer => ({ status, body: { statusCode: status, error, message } });
const notFound = (runId: string): ControlAnswer => problem(404, 'Not Found', `run ${runId} does not exist`);

/** Answers one control request (the HTTP status and body the API passes on). */
export async function answer(control: RunControl, request: ControlRequest): Promise<ControlAnswer> {
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
    if (!control.create(request.runId, request.name, spec)) return problem(409, 'Conflict', `run ${request.runId} already exists`);
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
