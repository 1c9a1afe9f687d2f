import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadSchedulerConfig, loadTrainerConfig, loadWorkerConfig } from '@pff/config';

test('defaults apply when the environment is empty', () => {
  const config = loadTrainerConfig({});
  assert.deepEqual({ ...config }, { backend: 'auto', dataDir: '', runDir: 'runs', brokerUrl: '', persistentMessages: true }, 'the defaults');
  assert.ok(Object.isFrozen(config), 'frozen');
});

test('PFF_ variables set the values', () => {
  const config = loadTrainerConfig({ PFF_BACKEND: 'wasm', PFF_DATA_DIR: '/data', PFF_RUN_DIR: '/runs' });
  assert.equal(config.backend, 'wasm');
  assert.equal(config.dataDir, '/data');
  assert.equal(config.runDir, '/runs');
});

test('a bad value stops start-up with an error naming the setting and its variable', () => {
  assert.throws(
    () => loadTrainerConfig({ PFF_BACKEND: 'gpu' }),
    (err: unknown) => err instanceof ConfigError && /backend \(PFF_BACKEND\): must be one of/.test(err.message),
  );
});

test('the worker and scheduler roles need a broker and validate their settings at start-up', () => {
  const broker = { PFF_BROKER_URL: 'amqp://guest:secret@rabbit:5672' };
  const worker = loadWorkerConfig({ ...broker, PFF_STAGE: '2', PFF_PERSISTENT_MESSAGES: 'false' });
  assert.equal(worker.stage, 2, 'PFF_STAGE');
  assert.equal(worker.persistentMessages, false, 'PFF_PERSISTENT_MESSAGES');
  assert.equal(worker.maxMessageBytes, 4 * 1024 * 1024, 'the default part size');
  assert.equal(loadSchedulerConfig(broker).maxRuns, 2, 'PFF_MAX_RUNS default');
  const refuses = (load: () => unknown, pattern: RegExp): void =>
    assert.throws(load, (err: unknown) => err instanceof ConfigError && pattern.test(err.message) && !err.message.includes('secret'), String(pattern));
  refuses(() => loadWorkerConfig({}), /brokerUrl \(PFF_BROKER_URL\): must be an amqp/);
  refuses(() => loadWorkerConfig({ ...broker, PFF_MAX_MESSAGE_BYTES: '100' }), /maxMessageBytes \(PFF_MAX_MESSAGE_BYTES\): must be a whole number/);
  refuses(() => loadSchedulerConfig({ ...broker, PFF_MAX_RUNS: 'many' }), /maxRuns \(PFF_MAX_RUNS\)/);
});
