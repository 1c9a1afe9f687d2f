import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadSchedulerConfig, loadServeConfig, ROLE_SETTINGS, settingEnvNames } from '@pff/config';

const broker = { PFF_BROKER_URL: 'amqp://guest:secret@rabbit:5672' };

test('the scheduler bounds the runs waiting or training: PFF_MAX_QUEUED_RUNS (default 100, 0 = no bound)', () => {
  assert.equal(loadSchedulerConfig(broker).maxQueuedRuns, 100, 'the default');
  assert.equal(loadSchedulerConfig({ ...broker, PFF_MAX_QUEUED_RUNS: '0' }).maxQueuedRuns, 0, 'no bound');
  assert.throws(
    () => loadSchedulerConfig({ ...broker, PFF_MAX_QUEUED_RUNS: 'many' }),
    (err: unknown) => err instanceof ConfigError && /maxQueuedRuns \(PFF_MAX_QUEUED_RUNS\)/.test(err.message),
  );
});

test('the bound is the scheduler\'s (it sees every create of every API replica); the rate limit is the API\'s', () => {
  const api = settingEnvNames(ROLE_SETTINGS.api);
  const scheduler = settingEnvNames(ROLE_SETTINGS.scheduler);
  assert.ok(scheduler.includes('PFF_MAX_QUEUED_RUNS') && !api.includes('PFF_MAX_QUEUED_RUNS'), 'PFF_MAX_QUEUED_RUNS');
  for (const name of ['PFF_RATE_LIMIT_MAX', 'PFF_RATE_LIMIT_WINDOW_MS']) assert.ok(api.includes(name) && !scheduler.includes(name), name);
});

test('pff serve (one user on their own machine) has no rate limit unless asked, and the same queue bound', () => {
  const serve = loadServeConfig({});
  assert.deepEqual([serve.rateLimitMax, serve.rateLimitWindowMs, serve.maxQueuedRuns], [0, 60_000, 100], 'the defaults');
  assert.equal(loadServeConfig({ PFF_RATE_LIMIT_MAX: '50' }).rateLimitMax, 50, 'PFF_RATE_LIMIT_MAX');
});
