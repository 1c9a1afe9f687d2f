import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { RateLimit } from '@pff/config';
import type { ApiApp } from './app-types.js';

/** Routes never limited, by the route matched (never the raw URL): Kubernetes' probes and Prometheus must always get through. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Limits each client to `rateLimitMax` requests per `rateLimitWindowMs`, counted in this
 * API instance's memory (n replicas let a client make up to n times as many). A client
 * with a valid bearer token is counted by its token (only a digest of it is kept), any
 * other by its address (the peer's: behind a proxy, the proxy's), so a stranger guessing
 * tokens is limited too. Added before authentication; beyond the limit the answer is a
 * 429 in the API's error shape (the error handler's) with Retry-After and the
 * X-RateLimit-* headers. No limit (undefined, or 0) adds nothing.
 */
export async function registerRateLimit(app: ApiApp, limit: RateLimit | undefined, authorized: (authorization: string | undefined) => boolean): Promise<void> {
  if (!limit || limit.rateLimitMax <= 0) return;
  await app.register(rateLimit, { global: false });
  const clientOf = (request: FastifyRequest): string => {
    const authorization = request.headers.authorization;
    if (authorized(authorization)) return `token:${createHash('sha256').update(authorization!).digest('base64url')}`;
    return `address:${request.ip}`;
  };
  const seconds = limit.rateLimitWindowMs / 1000;
  app.addHook('onRequest', app.rateLimit({
    max: limit.rateLimitMax,
    timeWindow: limit.rateLimitWindowMs,
    keyGenerator: clientOf,
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => Object.assign(
      new Error(`more than ${context.max} requests in ${seconds} s from this client (PFF_RATE_LIMIT_MAX); retry in ${context.after}`),
      { statusCode: context.statusCode },
    ),
  }));
}
