// The OpenAPI document the API serves is valid OpenAPI 3 and documents every route with
// its request and response schemas (the same TypeBox schemas that validate requests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createMetricsRegistry } from '@pff/telemetry';
import { buildApiApp } from '../src/build-app.js';
import type { SchedulerClient } from '../src/scheduler-client.js';

/** No scheduler is needed to describe the API. */
const idle: SchedulerClient = { available: () => Promise.resolve(false), request: () => Promise.reject(new Error('unused')), close: () => Promise.resolve() };

test('the OpenAPI document is valid and describes every route', async (t) => {
  const limits = { maxLayers: 8, maxLayerWidth: 2048, maxEpochs: 100, maxBatch: 1024, maxWorkers: 16, maxStages: 8, maxStageReplicas: 16, datasets: ['mnist'] };
  const app = await buildApiApp({ scheduler: idle, limits, apiToken: 'openapi-test-token-0123', metrics: createMetricsRegistry('api', { processMetrics: false }), log: () => undefined });
  t.after(() => app.close());
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>>;
  }>();
  const result = await new Validator().validate(document as unknown as Parameters<Validator["validate"]>[0]);
  assert.equal(result.valid, true, `valid OpenAPI ${document.openapi}: ${JSON.stringify(result.errors)}`);
  // Every route may answer 429 (the rate limit; for POST /runs also PFF_MAX_QUEUED_RUNS).
  const expected: Array<[string, string, string[]]> = [
    ['/runs', 'post', ['201', '400', '401', '409', '429', '503']],
    ['/runs', 'get', ['200', '400', '401', '429', '503']],
    ['/runs/{id}', 'get', ['200', '400', '404', '429', '503']],
    ['/runs/{id}/stop', 'post', ['200', '404', '429']],
    ['/runs/{id}/metrics/{key}/history', 'get', ['200', '404', '429']],
    ['/runs/{id}/model', 'get', ['200', '404', '409', '429']],
    ['/runs/{id}/model/weights.bin', 'get', ['200', '404', '409', '429']],
    ['/runs/{id}/predict', 'post', ['200', '400', '404', '409', '429']],
  ];
  for (const [path, method, statuses] of expected) {
    const operation = document.paths[path]?.[method];
    assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
    for (const status of statuses) assert.ok(operation.responses[status], `${method.toUpperCase()} ${path} documents ${status}`);
  }
  assert.ok(document.paths['/runs']!['post']!.requestBody, 'the run request body is documented');
  assert.deepEqual(document.paths['/runs']!['get']!.parameters?.map((p) => `${p.in}:${p.name}`).sort(), ['query:limit', 'query:pageToken', 'query:status'], 'list parameters');
  assert.equal(document.paths['/healthz'], undefined, 'probes stay out of the document');
});
