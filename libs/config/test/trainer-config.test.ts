import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadTrainerConfig } from '@pff/config';

test('defaults apply when the environment is empty', () => {
  const config = loadTrainerConfig({});
  assert.deepEqual({ ...config }, { backend: 'auto', dataDir: '', runDir: 'runs', brokerUrl: '' });
  assert.ok(Object.isFrozen(config));
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
