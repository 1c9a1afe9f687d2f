import Fastify, { type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RateLimit, RunLimits } from '@pff/config';
import { createHttpMetrics, scrape, scrapeSnapshots, type MetricsSnapshot, type Registry } from '@pff/telemetry';
import type { ApiApp } from './app-types.js';
import { createTokenCheck } from './auth.js';
import { ModelCache } from './model-cache.js';
import { registerRateLimit } from './rate-limit.js';
import { registerStrictBodyTypes } from './strict-json-types.js';
import { registerModelRoutes } from './routes/model.js';
import { registerRunRoutes } from './routes/runs.js';
import { SchedulerUnavailableError, type SchedulerClient } from './scheduler-client.js';
import { ErrorSchema } from './schemas.js';
import { validationMessage, type ValidationIssue } from './validation-message.js';

export interface ApiAppDeps {
  readonly scheduler: SchedulerClient;
  readonly limits: RunLimits;
  readonly apiToken: string;
  readonly metrics: Registry;
  readonly log: (line: string) => void;
  readonly models?: ModelCache;
  /** Requests per client and window (default: no limit). */
  readonly rateLimit?: RateLimit;
  /** Workers for a spec that names neither variant nor workers (default 0: the spec's own defaults). */
  readonly defaultWorkers?: number;
  /** Other roles' metrics to serve with the API's own at /metrics. */
  readonly moreMetrics?: () => Promise<MetricsSnapshot[]>;
}

/** Routes anyone may call (by the route matched, never the raw URL): probes, metrics, the API's own documentation. */
const isPublic = (route: string | undefined): boolean =>
  route !== undefined && (['/healthz', '/readyz', '/metrics', '/openapi.json'].includes(route) || route === '/docs' || route.startsWith('/docs/'));

/** A path that does not decode (`%zz`, `%c0%ae`) is refused before routing: in the API's error shape too, not Fastify's. */
const refuseUndecodablePath = (_error: unknown, _request: unknown, reply: FastifyReply): void => {
  void reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the URL path does not decode; percent-encode it as UTF-8' });
};

/** Bodies larger than this are refused (413) before they are parsed. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * The REST API as a Fastify app (no port: tests use inject). Validation, the OpenAPI
 * document and response serialisation come from the same TypeBox schemas; every error
 * is `{statusCode, error, message}`, and a 5xx never shows internals.
 */
export async function buildApiApp(deps: ApiAppDeps): Promise<ApiApp> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // No defaults filled in by validation: a spec's defaults are parseRunSpec's, after
    // withDefaultWorkers has seen what the client actually sent.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: false, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => new Error(validationMessage(errors as ValidationIssue[], dataVar)),
    frameworkErrors: refuseUndecodablePath,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON only: any other body is a 415 naming its media type.
  app.removeContentTypeParser(['text/plain']);
  const models = deps.models ?? new ModelCache();
  const http = createHttpMetrics(deps.metrics);
  const authorized = createTokenCheck(deps.apiToken);

  await app.register(swagger, {
    openapi: {
      info: { title: 'PFF experiments API', version: '1', description: 'Start Forward-Forward training runs, follow them, download and use their models.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorSchema);

  // Before authentication: requests with a wrong token count too.
  await registerRateLimit(app, deps.rateLimit, authorized);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request.routeOptions.url) || authorized(request.headers.authorization)) return;
    await reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: 'a valid bearer token is required' });
  });
  registerStrictBodyTypes(app);
  // Closing: requests in progress get their answers with `Connection: close`, so no
  // keep-alive connection holds the shutdown up (Node waits for them, 72 s by default).
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    http.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown; code?: string }, request, reply) => {
    if (error instanceof SchedulerUnavailableError) {
      return reply.code(503).header('retry-after', '5').send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ statusCode: 415, error: httpTitle(415), message: `content-type ${String(request.headers['content-type'])} is not accepted; send application/json` });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ statusCode: status, error: httpTitle(status), message: error.message });
    }
    // The path only: a query string may carry what a client should not have put in a URL (a token).
    deps.log(`${request.method} ${request.url.split('?')[0]!}: ${error.stack ?? error.message}`);
    return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'the API failed; the error is in its log' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok', role: 'api' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await deps.scheduler.available();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready: no broker or no scheduler', role: 'api' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const more = deps.moreMetrics;
    const { contentType, body } = more ? await scrapeSnapshots([await deps.metrics.getMetricsAsJSON(), ...(await more())]) : await scrape(deps.metrics);
    return reply.type(contentType).send(body);
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  const routeDeps = { scheduler: deps.scheduler, limits: deps.limits, models, defaultWorkers: deps.defaultWorkers ?? 0 };
  registerRunRoutes(app, routeDeps);
  registerModelRoutes(app, routeDeps);
  app.addHook('onClose', (_instance, done) => {
    models.clear();
    done();
  });
  return app;
}

function httpTitle(status: number): string {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests' };
  return titles[status] ?? 'Client Error';
}
