// The API's rate limit: per client (its token, else its address), in the API's error
// shape with Retry-After, never on the probes or /metrics, off at 0, and set by
// PFF_RATE_LIMIT_MAX / PFF_RATE_LIMIT_WINDOW_MS in `pff api`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadApiConfig, type RateLimit } from '@pff/config';
import { createMetricsRegistry } from '@pff/telemetry';
import { createEmbeddedTransport, EmbeddedBroker } from '@pff/transport';
import { buildApiApp } from '../src/build-app.js';
import { createApiService } from '../src/create-api-service.js';
import type { SchedulerClient } from '../src/scheduler-client.js';

const TOKEN = 'rate-limit-test-token-0123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const LIMITS = { maxLayers: 8, maxLayerWidth: 2048, maxEpochs: 100, maxBatch: 1024, maxWorkers: 16, maxStages: 8, maxStageReplicas: 16, datasets: ['mnist'] };

/** A scheduler that is there and has no runs. */
const empty: SchedulerClient = {
  available: () => Promise.resolve(true),
  request: () => Promise.resolve({ status: 200, body: { runs: [] }, tensors: new Map() }),
  close: () => Promise.resolve(),
};

async function appWith(rateLimit: RateLimit | undefined): Promise<Awaited<ReturnType<typeof buildApiApp>>> {
  return buildApiApp({ scheduler: empty, limits: LIMITS, apiToken: TOKEN, metrics: createMetricsRegistry('api', { processMetrics: false }), log: () => undefined, ...(rateLimit ? { rateLimit } : {}) });
}

test('beyond the limit a client gets 429 in the API\'s error shape, with Retry-After; others are not held up', async (t) => {
  const app = await appWith({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
  t.after(() => app.close());
  const get = (headers: Record<string, string>, remoteAddress = '10.0.0.1') => app.inject({ method: 'GET', url: '/runs', headers, remoteAddress });
  for (let i = 0; i < 3; i++) {
    const ok = await get(AUTH);
    assert.equal(ok.statusCode, 200, `request ${i + 1} of 3`);
    assert.equal(ok.headers['x-ratelimit-remaining'], String(2 - i), 'says how many are left');
  }
  const refused = await get(AUTH);
  assert.equal(refused.statusCode, 429, refused.body);
  assert.deepEqual(Object.keys(refused.json<Record<string, unknown>>()).sort(), ['error', 'message', 'statusCode'], 'the API\'s error shape');
  assert.deepEqual({ ...refused.json<Record<string, unknown>>(), message: '' }, { statusCode: 429, error: 'Too Many Requests', message: '' });
  assert.match(refused.json<{ message: string }>().message, /more than 3 requests in 60 s from this client \(PFF_RATE_LIMIT_MAX\); retry in/);
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After in seconds: ${String(refused.headers['retry-after'])}`);
  assert.equal((await get(AUTH, '10.0.0.2')).statusCode, 429, 'the token is the client, wherever it calls from');

  // Without the token a client is its address: its own count, limited the same way.
  for (let i = 0; i < 3; i++) assert.equal((await get({}, '10.0.0.1')).statusCode, 401, `unauthenticated request ${i + 1}`);
  assert.equal((await get({ authorization: 'Bearer wrong-token-0123456789' }, '10.0.0.1')).statusCode, 429, 'guessing tokens counts against the address');
  assert.equal((await get({}, '10.0.0.3')).statusCode, 401, 'another address has its own count');
});

test('probes and /metrics are never limited; the documentation and unknown routes are', async (t) => {
  const app = await appWith({ rateLimitMax: 1, rateLimitWindowMs: 60_000 });
  t.after(() => app.close());
  for (let i = 0; i < 20; i++) {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const response = await app.inject({ method: 'GET', url, headers: AUTH });
      assert.equal(response.statusCode, 200, `${url}, request ${i + 1}: ${response.body.slice(0, 100)}`);
      assert.equal(response.headers['x-ratelimit-limit'], undefined, `${url} is not counted`);
    }
  }
  assert.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200, 'the first request');
  assert.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 429, 'the document is an ordinary route');
  assert.equal((await app.inject({ method: 'GET', url: '/no-such-route' })).statusCode, 429, 'so is a route that does not exist (scanners)');
});

test('the count starts again after the window; 0 = no limit', async (t) => {
  const app = await appWith({ rateLimitMax: 2, rateLimitWindowMs: 300 });
  t.after(() => app.close());
  const get = () => app.inject({ method: 'GET', url: '/runs', headers: AUTH });
  assert.deepEqual([(await get()).statusCode, (await get()).statusCode, (await get()).statusCode], [200, 200, 429]);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await get()).statusCode, 200, 'a new window');

  for (const rateLimit of [undefined, { rateLimitMax: 0, rateLimitWindowMs: 60_000 }]) {
    const open = await appWith(rateLimit);
    t.after(() => open.close());
    for (let i = 0; i < 50; i++) assert.equal((await open.inject({ method: 'GET', url: '/runs', headers: AUTH })).statusCode, 200, `${JSON.stringify(rateLimit)}: request ${i + 1}`);
  }
});

test('pff api takes its limit from PFF_RATE_LIMIT_MAX and PFF_RATE_LIMIT_WINDOW_MS (default 600 a minute)', async (t) => {
  const env = { PFF_BROKER_URL: 'amqp://unused:5672', PFF_API_TOKEN: TOKEN, PFF_PORT: '0', PFF_BACKEND: 'wasm' };
  assert.deepEqual([loadApiConfig(env).rateLimitMax, loadApiConfig(env).rateLimitWindowMs], [600, 60_000], 'the defaults');
  assert.throws(() => loadApiConfig({ ...env, PFF_RATE_LIMIT_MAX: 'lots' }), /rateLimitMax \(PFF_RATE_LIMIT_MAX\)/);
  assert.throws(() => loadApiConfig({ ...env, PFF_RATE_LIMIT_WINDOW_MS: '0' }), /rateLimitWindowMs \(PFF_RATE_LIMIT_WINDOW_MS\)/);

  const transport = createEmbeddedTransport(new EmbeddedBroker());
  t.after(() => transport.close());
  const service = createApiService({ config: loadApiConfig({ ...env, PFF_RATE_LIMIT_MAX: '2' }), log: () => undefined, transport, host: '127.0.0.1' });
  t.after(() => service.close());
  const base = `http://127.0.0.1:${await service.start()}`;
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/openapi.json`)).status);
  assert.deepEqual(statuses, [200, 200, 429], 'the third request in the window is refused');
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the liveness probe still answers');
});
