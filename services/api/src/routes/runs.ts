import { randomBytes } from 'node:crypto';
import { InvalidSpecError, parseRunSpec, withDefaultWorkers, type RunSpec } from '@pff/contracts';
import type { ApiApp, RouteDeps } from '../app-types.js';
import { exceededLimit } from '../run-limits.js';
import { CreateRunBodySchema, ERROR_RESPONSES, LIST_LIMIT, HistoryParamsSchema, ListQuerySchema, MetricHistorySchema, RunListSchema, RunParamsSchema, RunResourceSchema } from '../schemas.js';

/** Retry-After of a create refused because the queue is full. */
const QUEUE_FULL_RETRY_SECONDS = 60;
const badRequest = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

/** Page tokens are opaque to clients: the last run of the page, base64url-encoded. */
function encodePageToken(after: { createdAt: string; runId: string }): string {
  return Buffer.from(JSON.stringify([after.createdAt, after.runId])).toString('base64url');
}

function decodePageToken(token: string): { createdAt: string; runId: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(value[1])) {
      return { createdAt: value[0].slice(0, 64), runId: value[1] };
    }
  } catch {
    // falls through: not a token this API issued
  }
  return null;
}

/** POST /runs, GET /runs, GET /runs/:id, POST /runs/:id/stop, GET /runs/:id/metrics/:key/history. */
export function registerRunRoutes(app: ApiApp, deps: RouteDeps): void {
  const { scheduler, limits } = deps;

  app.post('/runs', {
    schema: {
      summary: 'Start a run', tags: ['runs'], body: CreateRunBodySchema,
      response: { 201: RunResourceSchema, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    let spec: RunSpec;
    try {
      spec = parseRunSpec(withDefaultWorkers(request.body.spec as Record<string, unknown>, deps.defaultWorkers));
    } catch (error) {
      if (error instanceof InvalidSpecError) return reply.code(400).send(badRequest(`spec.${error.message}`));
      throw error;
    }
    const exceeded = exceededLimit(spec, limits);
    if (exceeded) return reply.code(400).send(badRequest(`${exceeded.field} ${exceeded.message}`));
    const runId = request.body.id ?? `run-${randomBytes(5).toString('hex')}`;
    const answer = await scheduler.request({ op: 'create', runId, ...(request.body.name ? { name: request.body.name } : {}), spec: { ...spec, layers: [...spec.layers] } });
    if (answer.status === 201) void reply.header('location', `/runs/${runId}`);
    // Too many runs waiting or training (PFF_MAX_QUEUED_RUNS): runs take minutes; so does a place.
    if (answer.status === 429) void reply.header('retry-after', String(QUEUE_FULL_RETRY_SECONDS));
    return reply.code(answer.status).send(answer.body as never);
  });

  app.get('/runs', {
    schema: { summary: 'List runs, newest first', tags: ['runs'], querystring: ListQuerySchema, response: { 200: RunListSchema, ...ERROR_RESPONSES } },
  }, async (request, reply) => {
    const { status, limit, pageToken } = request.query;
    const after = pageToken === undefined ? undefined : decodePageToken(pageToken);
    if (after === null) return reply.code(400).send(badRequest('querystring/pageToken is not a page token this API issued'));
    const answer = await scheduler.request({ op: 'list', limit: limit ?? LIST_LIMIT, ...(status ? { status } : {}), ...(after ? { after } : {}) });
    if (answer.status !== 200) return reply.code(answer.status).send(answer.body as never);
    const { runs, next } = answer.body as { runs: unknown[]; next?: { createdAt: string; runId: string } };
    return { runs, ...(next ? { nextPageToken: encodePageToken(next) } : {}) } as never;
  });

  app.get('/runs/:id', {
    schema: { summary: 'A run: status, progress and latest metrics', tags: ['runs'], params: RunParamsSchema, response: { 200: RunResourceSchema, ...ERROR_RESPONSES } },
  }, async (request, reply) => {
    const answer = await scheduler.request({ op: 'get', runId: request.params.id });
    return reply.code(answer.status).send(answer.body as never);
  });

  app.post('/runs/:id/stop', {
    schema: { summary: 'Stop a run (idempotent; a finished run stays as it is)', tags: ['runs'], params: RunParamsSchema, response: { 200: RunResourceSchema, ...ERROR_RESPONSES } },
  }, async (request, reply) => {
    const answer = await scheduler.request({ op: 'stop', runId: request.params.id });
    return reply.code(answer.status).send(answer.body as never);
  });

  app.get('/runs/:id/metrics/:key/history', {
    schema: {
      summary: 'A metric over the run\'s chapters (accuracy, loss, headLoss, seconds, layer.<i>.loss, layer.<i>.goodnessPositive, layer.<i>.goodnessNegative)',
      tags: ['runs'], params: HistoryParamsSchema, response: { 200: MetricHistorySchema, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const answer = await scheduler.request({ op: 'history', runId: request.params.id, key: request.params.key });
    return reply.code(answer.status).send(answer.body as never);
  });
}
