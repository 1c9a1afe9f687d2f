import Type from 'typebox';
import { MetricHistorySchema, RunIdSchema, RunListSchema, RunResourceSchema, RunSpecSchema, RunStatusSchema } from '@pff/contracts';

/**
 * The REST API's request and response schemas, declared once: Fastify validates with
 * them and the OpenAPI document is generated from them. Run resources come from the
 * contracts package, shared with the scheduler that produces them.
 */
/** Runs per page when the client does not say. */
export const LIST_LIMIT = 20;

export const ErrorSchema = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { $id: 'Error', description: 'what went wrong; for a 400, the message names the field' },
);

/**
 * The error answers every route may give, for its OpenAPI responses: 400 bad input,
 * 401 no token, 404 no such run, 409 a state that does not allow it, 429 too many
 * requests (the rate limit, or POST /runs beyond PFF_MAX_QUEUED_RUNS), 503 no scheduler.
 */
export const ERROR_RESPONSES = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };

/** A run request's spec: every option optional (the defaults are parseRunSpec's), none unknown. */
const RunSpecRequestSchema = Type.Partial(RunSpecSchema, {
  additionalProperties: false,
  description: 'pff train\'s options in camelCase; what is left out takes its default (see each option)',
});

export const CreateRunBodySchema = Type.Object(
  {
    id: Type.Optional(RunIdSchema),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    spec: RunSpecRequestSchema,
  },
  { additionalProperties: false },
);

export const RunParamsSchema = Type.Object({ id: RunIdSchema });
export const HistoryParamsSchema = Type.Object({ id: RunIdSchema, key: Type.String({ pattern: '^[A-Za-z0-9.]{1,64}$' }) });

export const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(RunStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: LIST_LIMIT })),
    pageToken: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

/** MNIST-sized inputs: raw pixel values 0–255, at most 256 rows per request. */
export const PredictBodySchema = Type.Object(
  {
    inputs: Type.Array(Type.Array(Type.Number({ minimum: 0, maximum: 255 }), { minItems: 1, maxItems: 4096 }), { minItems: 1, maxItems: 256 }),
  },
  { additionalProperties: false },
);

export const PredictionSchema = Type.Object({ label: Type.Integer({ minimum: 0 }), scores: Type.Array(Type.Number()) });
export const PredictResponseSchema = Type.Object({ predictions: Type.Array(PredictionSchema) });

export const ModelJsonSchema = Type.Object(
  {
    format: Type.String(),
    formatVersion: Type.Integer(),
    spec: Type.Unknown(),
    inputSize: Type.Integer(),
    labelScale: Type.Number(),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    weightsManifest: Type.Array(Type.Object({ paths: Type.Array(Type.String()), weights: Type.Array(Type.Unknown()) })),
  },
  { description: 'model.json: the spec and a tfjs weights manifest whose path is the weights download (relative to this URL)' },
);

export { RunResourceSchema, RunListSchema, MetricHistorySchema };
export type CreateRunBody = Type.Static<typeof CreateRunBodySchema>;
export type ListQuery = Type.Static<typeof ListQuerySchema>;
export type PredictBody = Type.Static<typeof PredictBodySchema>;
