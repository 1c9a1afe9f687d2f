import Type from 'typebox';
import { RunSpecSchema } from '../run-spec.js';
import { PipelineSummarySchema, TrainSummarySchema } from '../train-summary.js';

export const RUN_STATUSES = ['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these states never changes again. */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** Run ids name queues, files and URLs: lower-case letters, digits and dashes. */
export const RUN_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const RunIdSchema = Type.String({ pattern: RUN_ID_PATTERN, description: 'lower-case letters, digits and dashes, at most 63' });
export const RunStatusSchema = Type.Enum([...RUN_STATUSES]);

export const RunProgressSchema = Type.Object({
  epoch: Type.Number({ minimum: 0, description: 'epochs of training done (fractional)' }),
  epochs: Type.Integer({ minimum: 1 }),
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  etaSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'training time left at the current pace; null before the pace is known' }),
  samplesPerSecond: Type.Number({ minimum: 0 }),
});

export const RunMetricsSchema = Type.Object(
  {
    accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'latest test accuracy (fraction)' })),
    loss: Type.Optional(Type.Number({ description: 'latest mean FF loss over the layers' })),
    headLoss: Type.Optional(Type.Number()),
    trainSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    samplesPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { description: 'latest value of every metric the run has reported' },
);

/** A run as the REST API shows it (fields as in MLflow's and Ray's run resources). */
export const RunResourceSchema = Type.Object({
  id: RunIdSchema,
  name: Type.Optional(Type.String()),
  status: RunStatusSchema,
  spec: RunSpecSchema,
  attempt: Type.Integer({ minimum: 0, description: 'restarts of the run from a checkpoint' }),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  progress: RunProgressSchema,
  metrics: RunMetricsSchema,
  pipeline: Type.Optional(PipelineSummarySchema),
  error: Type.Optional(Type.String({ description: 'why the run failed' })),
});

export const RunListSchema = Type.Object({
  runs: Type.Array(RunResourceSchema),
  nextPageToken: Type.Optional(Type.String({ description: 'pass as pageToken for the next page; absent on the last page' })),
});

export const MetricPointSchema = Type.Object({
  step: Type.Integer({ minimum: 1, description: 'chapter number' }),
  epoch: Type.Integer({ minimum: 1 }),
  value: Type.Number(),
  timestamp: Type.String({ format: 'date-time' }),
});

export const MetricHistorySchema = Type.Object({ key: Type.String(), points: Type.Array(MetricPointSchema) });

export const TrainSummaryResourceSchema = TrainSummarySchema;

export type RunResource = Type.Static<typeof RunResourceSchema>;
export type RunList = Type.Static<typeof RunListSchema>;
export type RunProgress = Type.Static<typeof RunProgressSchema>;
export type RunMetrics = Type.Static<typeof RunMetricsSchema>;
export type MetricPoint = Type.Static<typeof MetricPointSchema>;
export type MetricHistory = Type.Static<typeof MetricHistorySchema>;
