import Type from 'typebox';

const EpochRecordSchema = Type.Object({
  epoch: Type.Integer({ minimum: 1 }),
  chapter: Type.Integer({ minimum: 1 }),
  loss: Type.Number({ description: 'mean FF loss over the layers in this epoch' }),
  layerLoss: Type.Array(Type.Number(), { description: 'per layer, mean over the chapter\'s last epoch' }),
  goodnessPositive: Type.Array(Type.Number(), { description: 'per layer: mean goodness of positive data' }),
  goodnessNegative: Type.Array(Type.Number(), { description: 'per layer: mean goodness of negative data' }),
  headLoss: Type.Optional(Type.Number({ description: 'softmax head cross-entropy, mean over the chapter\'s last epoch' })),
  accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  seconds: Type.Number({ description: 'wall time of this epoch, evaluation excluded' }),
});

const LayerCountsSchema = Type.Object({
  layer: Type.Integer({ minimum: 0 }),
  batches: Type.Integer({ minimum: 0, description: 'distinct batches trained' }),
  samples: Type.Integer({ minimum: 0, description: 'samples in those batches (the training set once per epoch)' }),
  retrained: Type.Integer({ minimum: 0, description: 'batches trained again after a redelivery' }),
  dropped: Type.Integer({ minimum: 0, description: 'duplicates dropped on arrival' }),
  duplicates: Type.Integer({ minimum: 0, description: 'duplicates trained although not redelivered' }),
});

/** How a pipelined run was laid out and what reached every layer. */
export const PipelineSummarySchema = Type.Object({
  transport: Type.String({ description: 'embedded or amqp' }),
  stages: Type.Array(Type.Object({ first: Type.Integer(), last: Type.Integer(), replicas: Type.Integer() })),
  shards: Type.Integer({ minimum: 0 }),
  layers: Type.Array(LayerCountsSchema),
  deadLettered: Type.Integer({ minimum: 0 }),
});

/**
 * What `pff train --json` prints and what a finished run reports: accuracy on the
 * test set as a fraction, and training time that excludes evaluation.
 */
export const TrainSummarySchema = Type.Object({
  accuracy: Type.Number({ minimum: 0, maximum: 1 }),
  trainSeconds: Type.Number(),
  evalSeconds: Type.Number(),
  epochs: Type.Integer(),
  chapters: Type.Integer(),
  samplesPerSecond: Type.Number({ description: 'training samples (positives) per second per layer pass' }),
  variant: Type.String(),
  objective: Type.String(),
  classifier: Type.String(),
  neg: Type.String(),
  dataset: Type.String(),
  layers: Type.Array(Type.Integer()),
  trainSamples: Type.Integer(),
  testSamples: Type.Integer(),
  backend: Type.String(),
  seed: Type.Integer(),
  workers: Type.Optional(Type.Integer({ minimum: 1 })),
  pipeline: Type.Optional(PipelineSummarySchema),
  history: Type.Array(EpochRecordSchema),
});

export type TrainSummary = Type.Static<typeof TrainSummarySchema>;
export type EpochRecord = Type.Static<typeof EpochRecordSchema>;
export type PipelineSummary = Type.Static<typeof PipelineSummarySchema>;
export type LayerCounts = Type.Static<typeof LayerCountsSchema>;
