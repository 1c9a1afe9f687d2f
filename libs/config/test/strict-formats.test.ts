import { test } from 'node:test';
import assert from 'node:assert/strict';
import type convict from 'convict';
import {
  apiServiceSettings, ConfigError, loadApiConfig, loadSchedulerConfig, loadServeConfig, loadTrainerConfig, loadWorkerConfig,
  schedulerSettings, serveSettings, trainerSettings, workerSettings,
} from '@pff/config';

type Env = Record<string, string>;
const broker = { PFF_BROKER_URL: 'amqp://guest:secret@rabbit:5672' };

/** Every loader with its schema and the least environment it starts with. */
const LOADERS: Array<{ name: string; schema: convict.Schema<unknown>; load: (env: Env) => object; base: Env }> = [
  { name: 'api', schema: apiServiceSettings, load: loadApiConfig, base: { ...broker, PFF_API_TOKEN: 'a-token-of-16-chars' } },
  { name: 'scheduler', schema: schedulerSettings, load: loadSchedulerConfig, base: broker },
  { name: 'worker', schema: workerSettings, load: loadWorkerConfig, base: broker },
  { name: 'serve', schema: serveSettings, load: loadServeConfig, base: {} },
  { name: 'trainer', schema: trainerSettings, load: loadTrainerConfig, base: {} },
];

/** The settings of a schema whose default is of the given type, as [key, env, default]. */
function settingsOf<T>(schema: convict.Schema<unknown>, type: 'number' | 'boolean'): Array<[string, string, T]> {
  return Object.entries(schema as Record<string, convict.SchemaObj>).flatMap(([key, s]) => (typeof s.default === type && s.env ? [[key, s.env, s.default as T]] : []));
}

function refuses(load: () => unknown, pattern: RegExp): void {
  assert.throws(load, (err: unknown) => err instanceof ConfigError && pattern.test(err.message), String(pattern));
}

test('every number setting of every role takes only a whole number: no trailing garbage, decimals or exponents', () => {
  let checked = 0;
  for (const { name, schema, load, base } of LOADERS) {
    for (const [key, env, def] of settingsOf<number>(schema, 'number')) {
      assert.equal((load({ ...base, [env]: ` ${def} ` }) as Record<string, unknown>)[key], def, `${name} ${env}: its default, written with blanks around`);
      for (const bad of [`${def}abc`, `${def}.5`, `${def}e0`, '0x10', '']) {
        refuses(() => load({ ...base, [env]: bad }), new RegExp(`^invalid configuration: ${key} \\(${env}\\): must be `, 'm'));
      }
      checked++;
    }
  }
  assert.ok(checked >= 30, `${checked} number settings checked`);
});

test('every true/false setting takes true or false (any case), nothing else', () => {
  let checked = 0;
  for (const { name, schema, load, base } of LOADERS) {
    for (const [key, env] of settingsOf<boolean>(schema, 'boolean')) {
      for (const [value, expected] of [['true', true], ['false', false], [' FALSE ', false], ['True', true]] as const) {
        assert.equal((load({ ...base, [env]: value }) as Record<string, unknown>)[key], expected, `${name} ${env}=${value}`);
      }
      for (const bad of ['no', 'yes', '0', '1', 'off', '']) refuses(() => load({ ...base, [env]: bad }), new RegExp(`${key} \\(${env}\\): must be true or false`));
      checked++;
    }
  }
  assert.equal(checked, LOADERS.length, 'PFF_PERSISTENT_MESSAGES in every loader');
});

test('the message says what is wrong and shows the value as given', () => {
  refuses(() => loadWorkerConfig({ ...broker, PFF_PORT: '80abc' }), /port \(PFF_PORT\): must be a port number, 0 to 65535: value was "80abc"/);
  refuses(() => loadWorkerConfig({ ...broker, PFF_PORT: '65536' }), /port \(PFF_PORT\): must be a port number, 0 to 65535: value was 65536/);
  refuses(() => loadWorkerConfig({ ...broker, PFF_PREFETCH: '-1' }), /prefetch \(PFF_PREFETCH\): must be a whole number, 0 or more: value was -1$/m);
  refuses(() => loadWorkerConfig({ ...broker, PFF_PERSISTENT_MESSAGES: 'no' }), /persistentMessages \(PFF_PERSISTENT_MESSAGES\): must be true or false: value was "no"/);
  refuses(() => loadApiConfig({ ...broker, PFF_API_TOKEN: 'a-token-of-16-chars', PFF_MAX_LAYERS: '0' }), /maxLayers \(PFF_MAX_LAYERS\): must be a whole number of at least 1/);
  refuses(() => loadSchedulerConfig({ ...broker, PFF_COMMIT_EVERY: '257' }), /commitEvery \(PFF_COMMIT_EVERY\): must be a whole number from 1 to 256: value was 257/);
  refuses(() => loadServeConfig({ PFF_MAX_RUNS: '99999999999999999999' }), /maxRuns \(PFF_MAX_RUNS\): must be a whole number, 0 or more/);
  assert.deepEqual([loadWorkerConfig({ ...broker, PFF_PORT: '0', PFF_STAGE: '0' }).port, loadServeConfig({ PFF_API_READ_CACHE_MS: '0' }).readCacheMs], [0, 0], '0 where 0 means something');
});

test('a broker URL is amqp:// or amqps:// and parses; the error never shows it (it may hold a password)', () => {
  for (const load of [loadWorkerConfig, loadSchedulerConfig, loadServeConfig, loadTrainerConfig]) {
    refuses(() => load({ PFF_BROKER_URL: 'http://guest:secret@rabbit' }), /brokerUrl \(PFF_BROKER_URL\): must be an amqp:\/\/ or amqps:\/\/ URL$/m);
    refuses(() => load({ PFF_BROKER_URL: 'amqp://guest:secret@rabbit:99999' }), /brokerUrl \(PFF_BROKER_URL\): is not a valid URL/);
    refuses(() => load({ PFF_BROKER_URL: 'amqps://guest:secret@[::1:5671' }), /^(?![\s\S]*secret)[\s\S]*is not a valid URL/);
  }
  assert.equal(loadWorkerConfig({ PFF_BROKER_URL: 'amqps://pff-rabbitmq.pff.svc:5671/%2F?heartbeat=30' }).brokerUrl, 'amqps://pff-rabbitmq.pff.svc:5671/%2F?heartbeat=30');
  assert.equal(loadTrainerConfig({ PFF_BROKER_URL: '' }).brokerUrl, '', 'empty: the embedded broker, where a role allows it');
  refuses(() => loadWorkerConfig({ PFF_BROKER_URL: '' }), /brokerUrl \(PFF_BROKER_URL\): must be an amqp/);
});
