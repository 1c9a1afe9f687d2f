import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { test } from 'node:test';
import { createMetricsRegistry } from '@pff/telemetry';
import { createHealthServer } from '../src/index.js';

function get(port: number, path: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

test('probes and metrics; closing does not wait for a keep-alive client', async () => {
  let ready = false;
  const app = createHealthServer({ ready: () => ready, describe: () => ({ role: 'test' }), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const agent = new Agent({ keepAlive: true });
  assert.equal((await get(port, '/healthz', agent)).status, 200, 'alive whatever the broker');
  assert.equal((await get(port, '/readyz', agent)).status, 503, 'not ready');
  ready = true;
  assert.equal((await get(port, '/readyz', agent)).status, 200, 'ready');
  assert.equal((await get(port, '/metrics', agent)).status, 200, 'Prometheus metrics');
  // The agent holds its socket open (as Prometheus does between scrapes); close must not wait for it.
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([app.close().then(() => 'closed'), new Promise((resolve) => (timer = setTimeout(() => resolve('still open'), 10_000)))]);
  clearTimeout(timer);
  assert.equal(closed, 'closed', 'close returned with a keep-alive connection open (Node would wait 72 s for it)');
  agent.destroy();
});
