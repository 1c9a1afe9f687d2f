import type { EpochRecord, MetricHistory, RunMetrics, RunResource } from '@pff/contracts';
import type { RunRecord } from '../run-store.js';

/** What the scheduler knows of a running run between checkpoints (from its progress events). */
export interface LiveProgress {
  readonly epoch: number;
  readonly samplesPerSecond: number;
  readonly loss: number;
  readonly etaSeconds: number | null;
  /** Training time so far, this attempt included. */
  readonly trainSeconds: number;
}

/** A stored run as the REST API shows it: progress, latest metrics, and how it ended. */
export function runResourceOf(record: RunRecord, live?: LiveProgress): RunResource {
  const spec = record.spec;
  const history = record.history as EpochRecord[];
  const done = record.status === 'FINISHED';
  const stored = (record.chaptersDone * spec.epochs) / (spec.chapters ?? spec.epochs);
  const epoch = done ? spec.epochs : record.status === 'RUNNING' && live ? Math.max(live.epoch, stored) : stored;
  const samplesPerSecond = record.summary?.samplesPerSecond ?? (record.status === 'RUNNING' ? live?.samplesPerSecond : undefined) ?? 0;
  return {
    id: record.runId,
    ...(record.name === undefined ? {} : { name: record.name }),
    status: record.status,
    spec: record.spec,
    attempt: record.attempt,
    createdAt: record.createdAt,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    progress: {
      epoch,
      epochs: spec.epochs,
      percent: Math.min(100, (100 * epoch) / spec.epochs),
      etaSeconds: done ? 0 : record.status === 'RUNNING' ? (live?.etaSeconds ?? null) : null,
      samplesPerSecond,
    },
    metrics: latestMetrics(record, history, live),
    ...(record.summary?.pipeline ? { pipeline: record.summary.pipeline } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

function latestMetrics(record: RunRecord, history: readonly EpochRecord[], live: LiveProgress | undefined): RunMetrics {
  const last = history[history.length - 1];
  const accuracy = record.summary?.accuracy ?? [...history].reverse().find((h) => h.accuracy !== undefined)?.accuracy;
  const running = record.status === 'RUNNING' && live !== undefined;
  const loss = running && Number.isFinite(live.loss) && live.loss > 0 ? live.loss : last?.loss;
  const samplesPerSecond = record.summary?.samplesPerSecond ?? (running ? live.samplesPerSecond : undefined);
  return {
    ...(accuracy === undefined ? {} : { accuracy }),
    ...(loss === undefined ? {} : { loss }),
    ...(last?.headLoss === undefined ? {} : { headLoss: last.headLoss }),
    trainSeconds: record.summary?.trainSeconds ?? (running ? Math.max(live.trainSeconds, record.trainSeconds) : record.trainSeconds),
    ...(samplesPerSecond === undefined ? {} : { samplesPerSecond }),
  };
}

/** The metric keys a run's history holds: run-wide ones and `layer.<i>.<name>` per layer. */
export function metricKeysOf(layers: number): string[] {
  const perLayer = ['loss', 'goodnessPositive', 'goodnessNegative'];
  return ['accuracy', 'loss', 'headLoss', 'seconds', ...Array.from({ length: layers }, (_, i) => perLayer.map((m) => `layer.${i}.${m}`)).flat()];
}

/** One metric's points over the run's chapters, or null for a key the run does not have. */
export function metricHistoryOf(record: RunRecord, key: string): MetricHistory | null {
  if (!metricKeysOf(record.spec.layers.length).includes(key)) return null;
  const history = record.history as EpochRecord[];
  const times = record.historyTimes ?? [];
  const offset = history.length - times.length;
  const points = history.flatMap((h, i) => {
    const value = valueOf(h, key);
    if (value === undefined) return [];
    const timestamp = times[i - offset] ?? record.startedAt ?? record.createdAt;
    return [{ step: h.chapter, epoch: h.epoch, value, timestamp }];
  });
  return { key, points };
}

function valueOf(h: EpochRecord, key: string): number | undefined {
  const layer = /^layer\.(\d+)\.(loss|goodnessPositive|goodnessNegative)$/.exec(key);
  if (layer) {
    const series = layer[2] === 'loss' ? h.layerLoss : layer[2] === 'goodnessPositive' ? h.goodnessPositive : h.goodnessNegative;
    return series[Number(layer[1])];
  }
  if (key === 'accuracy') return h.accuracy;
  if (key === 'loss') return h.loss;
  if (key === 'headLoss') return h.headLoss;
  return key === 'seconds' ? h.seconds : undefined;
}
