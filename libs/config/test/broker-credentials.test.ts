import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadApiConfig, loadSchedulerConfig, loadServeConfig, loadWorkerConfig, ROLE_SETTINGS, settingEnvNames } from '@pff/config';

test('credentials given apart from the URL (a Kubernetes Secret) are written into it, percent-encoded', () => {
  const env = { PFF_BROKER_URL: 'amqp://pff-rabbitmq.pff.svc:5672', PFF_BROKER_USERNAME: 'default_user_x', PFF_BROKER_PASSWORD: 'p@ss:w/rd%41' };
  const url = new URL(loadWorkerConfig(env).brokerUrl);
  assert.equal(url.host, 'pff-rabbitmq.pff.svc:5672', 'the host stays');
  assert.equal(decodeURIComponent(url.username), 'default_user_x', 'the user name');
  assert.equal(decodeURIComponent(url.password), 'p@ss:w/rd%41', 'the password, every character intact');
  assert.equal(loadSchedulerConfig(env).brokerUrl, loadWorkerConfig(env).brokerUrl, 'the scheduler reads them too');
  assert.equal(loadApiConfig({ ...env, PFF_API_TOKEN: 'a-token-of-16-chars' }).brokerUrl, loadWorkerConfig(env).brokerUrl, 'and the API');
  assert.equal(loadServeConfig({}).brokerUrl, '', 'no URL: the embedded broker, credentials or not');
});

test('without separate credentials the URL is used as given', () => {
  assert.equal(loadWorkerConfig({ PFF_BROKER_URL: 'amqp://guest:guest@127.0.0.1:5672' }).brokerUrl, 'amqp://guest:guest@127.0.0.1:5672');
  assert.match(loadWorkerConfig({ PFF_BROKER_URL: 'amqp://guest:guest@h:5672', PFF_BROKER_PASSWORD: 'other' }).brokerUrl, /^amqp:\/\/guest:other@h:5672/, 'only the password replaced');
});

test('credentials beyond printable ASCII are refused at start-up, naming the setting, not the value', () => {
  assert.throws(
    () => loadWorkerConfig({ PFF_BROKER_URL: 'amqp://h:5672', PFF_BROKER_PASSWORD: 'pässwörd-secret' }),
    (err: unknown) => err instanceof ConfigError && /brokerPassword \(PFF_BROKER_PASSWORD\): must be printable ASCII/.test(err.message) && !err.message.includes('wörd'),
  );
});

test('a bad setting never shows the credentials in its error', () => {
  assert.throws(
    () => loadWorkerConfig({ PFF_BROKER_URL: 'amqp://h:5672', PFF_BROKER_PASSWORD: 'hunter2-secret', PFF_PREFETCH: 'lots' }),
    (err: unknown) => err instanceof ConfigError && /PFF_PREFETCH/.test(err.message) && !err.message.includes('hunter2'),
  );
});

test('every role names its settings by their PFF_ environment names', () => {
  for (const [role, schema] of Object.entries(ROLE_SETTINGS)) {
    const names = settingEnvNames(schema);
    assert.ok(names.length >= 7, `${role} has its settings`);
    assert.ok(names.every((n) => /^PFF_[A-Z0-9_]+$/.test(n)), `${role}: ${names.join(' ')}`);
    for (const shared of ['PFF_BROKER_URL', 'PFF_BROKER_USERNAME', 'PFF_BROKER_PASSWORD', 'PFF_PORT', 'PFF_BACKEND']) assert.ok(names.includes(shared), `${role} reads ${shared}`);
  }
  assert.ok(settingEnvNames(ROLE_SETTINGS.worker).includes('PFF_STAGE'), 'the worker reads its stage');
  assert.ok(!settingEnvNames(ROLE_SETTINGS.worker).includes('PFF_API_TOKEN'), 'the worker has no API token');
});
