// A request the API fails on (500): the client learns nothing of the internals, and the
// log line that keeps them has the path without its query string, where a careless
// client may have put a secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetricsRegistry } from '@pff/telemetry';
import { buildApiApp } from '../src/build-app.js';
import type { SchedulerClient } from '../src/scheduler-client.js';

const TOKEN = 'error-log-test-token-0123';

test('a 500 hides the internals from the client and logs the path without its query string', async (t) => {
  const broken: SchedulerClient = {
    available: () => Promise.resolve(true),
    request: () => Promise.reject(new Error('internal detail: /var/lib/pff/runs is full')),
    close: () => Promise.resolve(),
  };
  const lines: string[] = [];
  const limits = { maxLayers: 8, maxLayerWidth: 2048, maxEpochs: 100, maxBatch: 1024, maxWorkers: 16, maxStages: 8, maxStageReplicas: 16, datasets: ['mnist'] };
  const app = await buildApiApp({ scheduler: broken, limits, apiToken: TOKEN, metrics: createMetricsRegistry('api', { processMetrics: false }), log: (l) => lines.push(l) });
  t.after(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/runs/some-run?access_token=secret-query-value', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.statusCode, 500, response.body);
  assert.deepEqual(response.json(), { statusCode: 500, error: 'Internal Server Error', message: 'the API failed; the error is in its log' });
  assert.equal(lines.length, 1, 'one log line');
  assert.match(lines[0]!, /^GET \/runs\/some-run: Error: internal detail/, 'the path and the error');
  assert.ok(!lines[0]!.includes('secret-query-value'), `no query string in the log: ${lines[0]!}`);
});
