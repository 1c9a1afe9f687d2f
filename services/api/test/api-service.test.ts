// The API role's process lifecycle on a real port: it serves, answers 503 without a
// scheduler, finishes a request in progress when told to close, and closes once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadApiConfig } from '@pff/config';
import { CONTROL_QUEUE, decodeMessage } from '@pff/contracts';
import { createEmbeddedTransport, EmbeddedBroker } from '@pff/transport';
import { createApiService } from '../src/create-api-service.js';

test('serves on a port, lets a request in progress finish on close, and closes idempotently', async (t) => {
  const transport = createEmbeddedTransport(new EmbeddedBroker());
  t.after(() => transport.close());
  const config = loadApiConfig({ PFF_BROKER_URL: 'amqp://unused:5672', PFF_API_TOKEN: 'service-test-token-0123', PFF_PORT: '0', PFF_BACKEND: 'wasm', PFF_REQUEST_TIMEOUT_MS: '5000' });
  const lines: string[] = [];
  const service = createApiService({ config, log: (l) => lines.push(l), transport, host: '127.0.0.1' });
  const port = await service.start();
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: 'Bearer service-test-token-0123' };
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'alive');
  assert.equal((await fetch(`${base}/readyz`)).status, 503, 'not ready without a scheduler');
  assert.equal((await fetch(`${base}/runs`, { headers: auth })).status, 503, '503 without a scheduler');
  assert.ok((await fetch(`${base}/metrics`)).headers.get('content-type')?.startsWith('text/plain'), 'Prometheus text');

  // A scheduler that answers slowly: the request is in progress when close() is called.
  const slow = await transport.consume(CONTROL_QUEUE, (delivery) => {
    decodeMessage(delivery.body, ['control']);
    delivery.ack();
  }, { prefetch: 1 });
  t.after(() => slow.cancel());
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const pending = fetch(`${base}/runs/some-run`, { headers: auth });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closing = service.close();
  assert.equal(service.close(), closing, 'close is idempotent');
  const answered = await pending;
  assert.equal(answered.status, 503, 'the request in progress got its answer (the scheduler never replied) before the server went');
  assert.match(((await answered.json()) as { message: string }).message, /did not answer within 5000 ms/);
  assert.equal(answered.headers.get('connection'), 'close', 'a keep-alive client is told to go, so the shutdown does not wait for its connection');
  await closing;
  await assert.rejects(fetch(`${base}/healthz`), 'nothing listens after close');
});
