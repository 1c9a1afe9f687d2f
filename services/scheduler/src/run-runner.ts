import type { EpochRecord, RunSpec } from '@pff/contracts';
import type { DatasetPair } from '@pff/datasets';
import type { Transport } from '@pff/transport';
import type { ProgressListener } from '@pff/trainer';
import { PipelineRun, type PipelineOptions, type ResumePoint, type RunObserver } from './pipeline-run.js';
import type { RunRecord, RunStore } from './run-store.js';
import { wasStopped } from './run-stopped.js';

export interface RunRunnerDeps {
  readonly transport: Transport;
  readonly store: RunStore;
  readonly loadData: (spec: RunSpec) => DatasetPair;
  readonly log: (line: string) => void;
  readonly options?: Partial<PipelineOptions>;
  readonly now?: () => Date;
  readonly onProgress?: ProgressListener;
  readonly onChapter?: (record: EpochRecord) => void;
  readonly observer?: RunObserver;
}

/**
 * Trains one stored run to its end, resuming from its checkpoint when it has one, and
 * keeps its record current: RUNNING with its history after every chapter, then
 * FINISHED with the summary and the model, or FAILED with the error. An abort (the
 * scheduler shutting down) leaves it RUNNING, to be resumed; an abort by RunStopped
 * (a user's stop) ends it KILLED.
 */
export async function runStoredRun(deps: RunRunnerDeps, runId: string, signal: AbortSignal): Promise<RunRecord> {
  const { store, log } = deps;
  const now = (): string => (deps.now ?? (() => new Date()))().toISOString();
  let record = store.get(runId);
  const spec = record.spec as RunSpec;
  // A run found RUNNING was interrupted: its restart is a new attempt.
  const attempt = record.status === 'RUNNING' ? record.attempt + 1 : record.attempt;
  record = { ...record, status: 'RUNNING', attempt, startedAt: record.startedAt ?? now() };
  try {
    // A damaged checkpoint fails the run (its error names the file) rather than the scheduler.
    const resume = resumePoint(store, record);
    store.save(record);
    log(`run ${runId}: ${resume ? `resuming after chapter ${resume.chaptersDone} (attempt ${attempt})` : `starting (attempt ${attempt})`}`);
    const run = new PipelineRun({
      transport: deps.transport,
      runId,
      spec,
      data: deps.loadData(spec),
      log: (line) => log(`run ${runId}: ${line}`),
      signal,
      attempt,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.onChapter ? { onChapter: deps.onChapter } : {}),
      ...(deps.observer ? { observer: deps.observer } : {}),
      ...(deps.options ? { options: deps.options } : {}),
      ...(resume ? { resume } : {}),
      onCheckpoint: async (c) => {
        await store.saveNetwork(runId, 'checkpoint', spec, c.network, { chaptersDone: c.chaptersDone }, c.optimizer);
        const historyTimes = [...(record.historyTimes ?? []), now()].slice(-c.history.length);
        record = {
          ...record, chaptersDone: c.chaptersDone, history: [...c.history], historyTimes, trainSeconds: c.trainSeconds,
          evalSeconds: c.evalSeconds, layers: c.layers.map((l) => ({ ...l })),
        };
        store.save(record);
      },
    });
    const result = await run.run();
    try {
      await store.saveNetwork(runId, 'model', spec, result.network, { accuracy: result.summary.accuracy, trainSeconds: result.summary.trainSeconds });
    } finally {
      result.network.dispose();
    }
    record = { ...record, status: 'FINISHED', finishedAt: now(), summary: result.summary };
    store.save(record);
    log(`run ${runId}: finished, test accuracy ${(result.summary.accuracy * 100).toFixed(2)}%`);
  } catch (error) {
    if (wasStopped(signal)) {
      record = { ...record, status: 'KILLED', finishedAt: now() };
      store.save(record);
      log(`run ${runId}: stopped`);
      return record;
    }
    if (signal.aborted) {
      log(`run ${runId}: interrupted; it resumes when the scheduler starts again`);
      return record;
    }
    record = { ...record, status: 'FAILED', finishedAt: now(), error: (error as Error).message };
    store.save(record);
    log(`run ${runId}: failed: ${(error as Error).message}`);
  }
  return record;
}

function resumePoint(store: RunStore, record: RunRecord): ResumePoint | undefined {
  if (record.chaptersDone === 0) return undefined;
  const { weights, optimizer } = store.loadCheckpoint(record.runId);
  return {
    chaptersDone: record.chaptersDone,
    history: record.history as EpochRecord[],
    trainSeconds: record.trainSeconds,
    evalSeconds: record.evalSeconds,
    weights,
    optimizer,
    layers: record.layers,
  };
}
