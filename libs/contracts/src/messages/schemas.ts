import Type from 'typebox';
import { RUN_ID_PATTERN, RunStatusSchema } from '../api/run-resource.js';
import { RunSpecSchema } from '../run-spec.js';

const RunId = Type.String({ pattern: RUN_ID_PATTERN });
const Replica = Type.String({ minLength: 1, maxLength: 128 });
const Stage = Type.Integer({ minimum: 0, maximum: 64 });
const Count = Type.Integer({ minimum: 0 });
const Epoch = Type.Integer({ minimum: 1 });
/** A run restarted from a checkpoint starts a new attempt; what older attempts left behind is ignored. */
const Attempt = Type.Integer({ minimum: 0 });

/** Who speaks: a replica of a run's stage. */
const fromReplica = { runId: RunId, stage: Stage, replica: Replica };
/** Batch identities ("epoch:index"). */
const BatchKeys = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 1_000_000 });
/** Which batch, in which attempt of the run. */
const batchIdentity = { attempt: Attempt, epoch: Epoch, index: Count };

/**
 * Activation batch for stage `stage`. Tensors: stage 0 gets `images` [n, inputSize];
 * later stages get `positive`, and (FF objective) `negative`, and (Softmax head)
 * `neutral` [n, width] plus `features` [n, f] (the reading layers' neutral outputs so
 * far). Every stage gets `labels` (uint8 [n]) and `indices` (int32 [n], sample ids);
 * stage 0 also `negativeLabels` (uint8 [n]) for the FF objective.
 */
export const ActivationBatchSchema = Type.Object({
  kind: Type.Literal('batch'),
  runId: RunId,
  attempt: Attempt,
  stage: Stage,
  epoch: Epoch,
  chapter: Epoch,
  /** Batch number within its epoch; with the epoch, the batch's identity. */
  index: Count,
  /** Epochs of training done before this batch (fractional): the learning-rate schedule's clock. */
  position: Type.Number({ minimum: 0 }),
  /** The chapter's last epoch: the last stage reports the head's scores (adaptive negatives). */
  recordScores: Type.Boolean(),
});

const LayerStatsSchema = Type.Object({
  layer: Type.Integer({ minimum: 0 }),
  loss: Type.Number(),
  goodnessPositive: Type.Number(),
  goodnessNegative: Type.Number(),
});

/** A stage trained a batch (tensors from the last stage: `scores` [n, classes], `indices`). */
export const TrainedEventSchema = Type.Object({
  kind: Type.Literal('trained'),
  ...fromReplica,
  ...batchIdentity,
  samples: Count,
  /** Unique to this training of the batch: a report sent twice (a publish retried after a lost confirm) is counted once. */
  report: Type.String({ minLength: 1, maxLength: 64 }),
  redelivered: Type.Boolean(),
  layers: Type.Array(LayerStatsSchema),
  headLoss: Type.Optional(Type.Number()),
  stepSeconds: Type.Number({ minimum: 0 }),
});

/** A stage received a batch it had already trained and dropped it. */
export const DroppedEventSchema = Type.Object({
  kind: Type.Literal('dropped'),
  ...fromReplica,
  ...batchIdentity,
});

/** A replica joined a run's stage and waits for the stage's shared parameters. */
export const HelloEventSchema = Type.Object({
  kind: Type.Literal('hello'),
  ...fromReplica,
});

/** A replica is alive (sent every few seconds while it is a member of the run). */
export const HeartbeatEventSchema = Type.Object({
  kind: Type.Literal('heartbeat'),
  ...fromReplica,
});

/** A replica's parameters for a sharing round (tensors: its weights by name). */
export const ParamsEventSchema = Type.Object({
  kind: Type.Literal('params'),
  ...fromReplica,
  round: Count,
  /** Samples trained since the replica last adopted shared parameters: its weight in the average. */
  samples: Count,
  /** Batches ("epoch:index") these parameters include that the replica's previous params did not. */
  batches: BatchKeys,
});

/**
 * Scheduler to a stage's replicas: round `round` is over and the scheduler holds the
 * parameters of `replicas` (their batches are committed: a replica acknowledges their
 * deliveries only now, so a replica that dies loses nothing the scheduler does not hold).
 * `averaged`: the stage's shared parameters are the round's average (replicas reset their
 * sample count); otherwise the round only checkpointed each replica's own parameters.
 */
export const CommittedSchema = Type.Object({
  kind: Type.Literal('committed'),
  runId: RunId,
  stage: Stage,
  round: Count,
  replicas: Type.Array(Replica, { maxItems: 4096 }),
  averaged: Type.Boolean(),
});

/** A replica is leaving (graceful shutdown): commit what it trained before it goes. */
export const LeavingEventSchema = Type.Object({
  kind: Type.Literal('leaving'),
  ...fromReplica,
});

/** Scheduler to a stage's replicas: send your parameters for round `round`. */
export const ShareRequestSchema = Type.Object({
  kind: Type.Literal('share'),
  runId: RunId,
  stage: Stage,
  round: Count,
});

/**
 * Scheduler to a stage's replicas: the shared parameters (tensors by weight name).
 * `to` is one replica (a newcomer) or '*' (the end of a sharing round).
 */
export const AdoptSchema = Type.Object({
  kind: Type.Literal('adopt'),
  runId: RunId,
  stage: Stage,
  round: Count,
  to: Replica,
  /** Federated: the data shard the replica serves. */
  shard: Type.Optional(Count),
  /** Batches of the current chapter the stage has trained already ("epoch:index"): a fresh copy of one is a duplicate. */
  trained: BatchKeys,
  /** Batches whose training the scheduler holds (in these or a departed replica's parameters): even a redelivered copy is dropped. */
  committed: BatchKeys,
});

/** A replica trained a batch: its peers drop a duplicate of it. */
export const ClaimSchema = Type.Object({
  kind: Type.Literal('claim'),
  ...fromReplica,
  ...batchIdentity,
});

const LayerRangeSchema = Type.Object({ first: Type.Integer({ minimum: 0 }), last: Type.Integer({ minimum: 0 }) });

/** The scheduler's announcement of a run, repeated while it runs, so workers can join any time. */
export const RunAnnouncementSchema = Type.Object({
  kind: Type.Literal('run'),
  runId: RunId,
  attempt: Attempt,
  status: Type.Union([Type.Literal('running'), Type.Literal('ended')]),
  spec: RunSpecSchema,
  inputSize: Type.Integer({ minimum: 1 }),
  classes: Type.Integer({ minimum: 2 }),
  labelScale: Type.Number({ exclusiveMinimum: 0 }),
  /** The layers each stage trains (inclusive), in pipeline order. */
  stages: Type.Array(LayerRangeSchema, { minItems: 1 }),
  /** Federated: one queue per shard. */
  shards: Count,
  /** Batches a replica trains between commits (it holds their deliveries unacknowledged until then). */
  commitEvery: Type.Integer({ minimum: 1, maximum: 256 }),
});

/** A request to the scheduler service to train a run (the API sends these). */
export const RunRequestSchema = Type.Object({
  kind: Type.Literal('run-request'),
  runId: RunId,
  name: Type.Optional(Type.String({ maxLength: 200 })),
  spec: RunSpecSchema,
});

/** Who asks the scheduler, and until when an answer is of use (ms since the epoch). */
const controlEnvelope = {
  kind: Type.Literal('control'),
  /** Correlates the reply; unique per request. */
  id: Type.String({ minLength: 1, maxLength: 64 }),
  /** The asking API instance: replies carry it so other instances ignore them. */
  from: Type.String({ minLength: 1, maxLength: 128 }),
  /** A request still queued after this (a scheduler that was down) is dropped unanswered: the caller gave up. */
  deadline: Type.Number({ minimum: 0 }),
};

/**
 * API to scheduler, on CONTROL_QUEUE: the operations of the REST API that need the
 * scheduler's run store. The reply is a control-reply on CONTROL_REPLIES_TOPIC.
 */
export const ControlRequestSchema = Type.Union([
  Type.Object({ ...controlEnvelope, op: Type.Literal('create'), runId: RunId, name: Type.Optional(Type.String({ maxLength: 200 })), spec: RunSpecSchema }),
  Type.Object({
    ...controlEnvelope,
    op: Type.Literal('list'),
    status: Type.Optional(RunStatusSchema),
    limit: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Continue after this run (the previous page's last): its creation time and id. */
    after: Type.Optional(Type.Object({ createdAt: Type.String({ maxLength: 64 }), runId: RunId })),
  }),
  Type.Object({ ...controlEnvelope, op: Type.Union([Type.Literal('get'), Type.Literal('stop'), Type.Literal('model')]), runId: RunId }),
  Type.Object({ ...controlEnvelope, op: Type.Literal('history'), runId: RunId, key: Type.String({ maxLength: 64 }) }),
]);

/**
 * Scheduler to the asking API instance. `status` is the HTTP status the API answers
 * with; `body` its JSON body (validated by the API's response schema). A model reply
 * carries the weights file as the uint8 tensor `weights`.
 */
export const ControlReplySchema = Type.Object({
  kind: Type.Literal('control-reply'),
  id: Type.String({ minLength: 1, maxLength: 64 }),
  to: Type.String({ minLength: 1, maxLength: 128 }),
  status: Type.Integer({ minimum: 200, maximum: 599 }),
  body: Type.Unknown(),
});

export type ControlRequest = Type.Static<typeof ControlRequestSchema>;
export type ControlReply = Type.Static<typeof ControlReplySchema>;
export type ActivationBatchHeader = Type.Static<typeof ActivationBatchSchema>;
export type TrainedEvent = Type.Static<typeof TrainedEventSchema>;
export type DroppedEvent = Type.Static<typeof DroppedEventSchema>;
export type HelloEvent = Type.Static<typeof HelloEventSchema>;
export type ParamsEvent = Type.Static<typeof ParamsEventSchema>;
export type ShareRequest = Type.Static<typeof ShareRequestSchema>;
export type Adopt = Type.Static<typeof AdoptSchema>;
export type Committed = Type.Static<typeof CommittedSchema>;
export type LeavingEvent = Type.Static<typeof LeavingEventSchema>;
export type Claim = Type.Static<typeof ClaimSchema>;
export type RunAnnouncement = Type.Static<typeof RunAnnouncementSchema>;
export type LayerStats = Type.Static<typeof LayerStatsSchema>;
export type LayerRange = Type.Static<typeof LayerRangeSchema>;
export type RunRequest = Type.Static<typeof RunRequestSchema>;
export type HeartbeatEvent = Type.Static<typeof HeartbeatEventSchema>;
