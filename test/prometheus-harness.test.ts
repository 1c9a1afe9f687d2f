import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { createMetricsRegistry, RunMetrics, scrape, type Registry } from '@pff/telemetry';
import { startPrometheus } from './support/prometheus.js';

/** Serves `registry` at /metrics on a free loopback port, as a service's probe server does. */
async function serveMetrics(registry: Registry): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrape(registry).then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its scrape connection alive; close() alone would wait for it.
        server.closeAllConnections();
      }),
  };
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

test('prometheus scrapes a prom-client registry and answers queries on it', async (t) => {
  const registry = createMetricsRegistry('scheduler', { processMetrics: false });
  const runs = new RunMetrics(registry, () => ({ running: 1 }));
  runs.update('harness-run', { epoch: 1.5, epochs: 4, samplesPerSecond: 900, loss: 0.7 });
  const target = await serveMetrics(registry);
  t.after(() => target.close());
  const prometheus = await startPrometheus({ targets: [{ job: 'pff', address: target.address }] });
  t.after(() => prometheus.close());

  await prometheus.waitForTargetsUp(15_000);
  const result = await prometheus.waitForResult('pff_run_epoch{run="harness-run"}');
  assert.equal(result.resultType, 'vector', 'an instant query gives a vector');
  assert.ok(result.resultType === 'vector');
  assert.equal(result.result.length, 1, `one series: ${JSON.stringify(result.result)}`);
  const [series] = result.result;
  assert.equal(series?.value[1], '1.5', 'the value the registry holds');
  assert.deepEqual(
    { role: series?.metric.role, job: series?.metric.job, instance: series?.metric.instance },
    { role: 'scheduler', job: 'pff', instance: target.address },
    'the default role label and the scrape labels',
  );
  const progress = await prometheus.query('pff_run_progress_ratio');
  assert.ok(progress.resultType === 'vector' && progress.result[0]?.value[1] === '0.375', `progress is epoch / epochs: ${JSON.stringify(progress)}`);
});

test('a query Prometheus cannot parse rejects with its message', async (t) => {
  const prometheus = await startPrometheus({ targets: [] });
  t.after(() => prometheus.close());
  await assert.rejects(prometheus.query('sum by (run) (rate(pff_x[1m])'), /bad_data: .*parse error/, 'a parse error');
  const scalar = await prometheus.query('vector(1) * 2');
  assert.ok(scalar.resultType === 'vector' && scalar.result[0]?.value[1] === '2', `arithmetic works: ${JSON.stringify(scalar)}`);
});

test('close stops Prometheus, removes its directory and can be called again', async () => {
  const prometheus = await startPrometheus({ targets: [] });
  assert.ok(existsSync(prometheus.directory), 'the directory exists while it runs');
  await prometheus.close();
  await prometheus.close();
  assert.equal(existsSync(prometheus.directory), false, 'the directory is gone');
  const port = Number(new URL(prometheus.url).port);
  assert.equal(await reachable('127.0.0.1', port), false, 'nothing listens on its port any more');
});

test('a target that does not answer is named when waiting for targets', async (t) => {
  const prometheus = await startPrometheus({ targets: [{ job: 'nobody', address: '127.0.0.1:9' }] });
  t.after(() => prometheus.close());
  await assert.rejects(prometheus.waitForTargetsUp(9_000), /targets not up .*nobody http:\/\/127\.0\.0\.1:9\/metrics/, 'the target is named');
});

test('prometheus scrapes RabbitMQ\'s per-object endpoint', async (t) => {
  if (!(await reachable('127.0.0.1', 15692))) {
    t.skip('RabbitMQ\'s prometheus plugin does not listen on 127.0.0.1:15692');
    return;
  }
  const prometheus = await startPrometheus({ targets: [{ job: 'rabbitmq', address: '127.0.0.1:15692', metricsPath: '/metrics/per-object' }] });
  t.after(() => prometheus.close());
  await prometheus.waitForTargetsUp(15_000);
  const up = await prometheus.waitForResult('up{job="rabbitmq"}');
  assert.ok(up.resultType === 'vector' && up.result[0]?.value[1] === '1', `the scrape succeeded: ${JSON.stringify(up)}`);
});
