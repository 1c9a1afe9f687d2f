import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHttpMetrics, createMetricsRegistry, RunMetrics, scrape, StageMetrics, withTransportMetrics, type Registry } from '@pff/telemetry';
import type { Delivery, Transport } from '@pff/transport';
import { files, load, panelsOf, queriesOf } from './support/dashboards.js';
import { startPrometheus } from './support/prometheus.js';

// The Grafana dashboards may only query metrics that exist: the ones @pff/telemetry
// registers (so renaming a metric fails here) and the ones RabbitMQ's prometheus plugin
// serves. Then the queries run in a real Prometheus against the services' metrics.


/**
 * Families RabbitMQ's prometheus plugin serves at :15692/metrics/per-object, labelled
 * {vhost, queue} (seen on 3.10: `curl -s localhost:15692/metrics/per-object | grep '^# TYPE'`).
 */
const RABBITMQ_PER_OBJECT = new Set([
  'rabbitmq_queue_messages',
  'rabbitmq_queue_messages_ready',
  'rabbitmq_queue_messages_unacked',
  'rabbitmq_queue_messages_bytes',
  'rabbitmq_queue_consumers',
  'rabbitmq_queue_messages_published_total',
]);

const METRIC = /\b(pff_[a-z0-9_]+|rabbitmq_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+)\b/g;
const SERIES_SUFFIX = /_(bucket|count|sum)$/;

/** A Transport that does nothing, for counting through withTransportMetrics. */
function fakeTransport(): Transport {
  const delivery = (): Delivery => ({ body: new Uint8Array(16), headers: {}, redelivered: false, ack: () => undefined, requeue: () => undefined, deadLetter: () => Promise.resolve() });
  return { kind: 'embedded', state: 'connected', send: () => Promise.resolve(), get: () => Promise.resolve(delivery()) } as unknown as Transport;
}

/** Every metric the services register, each with at least one series (so its labels show). */
async function servicesRegistry(): Promise<Registry> {
  const registry = createMetricsRegistry('worker');
  const stage = new StageMetrics(registry);
  stage.trained({
    run: 'dashboards', stage: 0, samples: 64, stepSeconds: 0.02,
    layers: [0, 1].map((layer) => ({ layer, loss: 0.6, goodnessPositive: 2.5, goodnessNegative: 0.4 })),
  });
  stage.synced(0, 0.2);
  const runs = new RunMetrics(registry, () => ({ running: 1, completed: 2 }));
  runs.update('dashboards', { epoch: 1.5, epochs: 4, samplesPerSecond: 900, loss: 0.6 });
  runs.inFlight('dashboards', 4);
  runs.evaluated('dashboards', 0.93);
  runs.shareRound(0, 0.3);
  createHttpMetrics(registry).observe('GET', '/runs/:id', 200, 0.004);
  const transport = withTransportMetrics(fakeTransport(), registry);
  await transport.send('pff.dashboards.stage.0', new Uint8Array(16));
  (await transport.get('pff.dashboards.stage.0'))?.ack();
  await (await transport.get('pff.dashboards.stage.0'))?.deadLetter('test');
  return registry;
}

/** Metric name → the label names its series carry, and which are histograms. */
async function registered(): Promise<{ labels: Map<string, Set<string>>; histograms: Set<string> }> {
  const metrics = await (await servicesRegistry()).getMetricsAsJSON();
  const labels = new Map(metrics.map((m) => [m.name, new Set(m.values.flatMap((v) => Object.keys(v.labels)))]));
  const histograms = new Set(metrics.filter((m) => String(m.type) === 'histogram').map((m) => m.name));
  return { labels, histograms };
}

/** The metric names `expr` uses, histogram series (_bucket, _count, _sum) as their histogram. */
function metricsIn(expr: string, histograms: ReadonlySet<string>): string[] {
  return [...expr.matchAll(METRIC)].map(([name]) => {
    const base = name.replace(SERIES_SUFFIX, '');
    return base !== name && histograms.has(base) ? base : name;
  });
}

test('there are dashboards and each parses as a Grafana dashboard', () => {
  assert.deepEqual(files, ['pff-run-overview.json', 'pff-services.json'], 'the dashboards');
  const uids = new Set<string>();
  for (const file of files) {
    const dashboard = load(file);
    assert.equal(dashboard.schemaVersion, 39, `${file}: schemaVersion`);
    assert.ok(dashboard.uid && !uids.has(dashboard.uid), `${file}: a uid of its own`);
    uids.add(dashboard.uid);
    const ids = panelsOf(dashboard).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique: ${ids.join(',')}`);
    for (const panel of panelsOf(dashboard)) {
      assert.ok(['row', 'timeseries', 'stat'].includes(panel.type), `${file} "${panel.title}": type ${panel.type}`);
      const grid = panel.gridPos;
      assert.ok(grid && grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24 && grid.h > 0, `${file} "${panel.title}": gridPos ${JSON.stringify(grid)}`);
    }
  }
});

test('every panel queries the templated Prometheus data source with an expression', () => {
  for (const file of files) {
    const dashboard = load(file);
    const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
    assert.deepEqual({ type: datasource?.type, query: datasource?.query }, { type: 'datasource', query: 'prometheus' }, `${file}: the datasource variable`);
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      assert.equal(v.datasource?.uid, '${datasource}', `${file} variable ${v.name}: data source`);
    }
    for (const panel of panelsOf(dashboard).filter((p) => p.type !== 'row')) {
      assert.equal(panel.datasource?.uid, '${datasource}', `${file} "${panel.title}": panel data source`);
      assert.ok((panel.targets ?? []).length > 0, `${file} "${panel.title}": has targets`);
      for (const t of panel.targets ?? []) {
        assert.ok(t.expr && t.expr.trim().length > 0, `${file} "${panel.title}" ${t.refId}: has an expr`);
        assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' }, `${file} "${panel.title}" ${t.refId}: target data source`);
      }
    }
  }
});

test('the run overview selects runs by a multi-value run variable', () => {
  const run = load('pff-run-overview.json').templating.list.find((v) => v.name === 'run');
  const query = typeof run?.query === 'string' ? run.query : run?.query?.query;
  assert.equal(query, 'label_values(pff_run_epoch, run)', 'runs come from pff_run_epoch');
  assert.ok(run?.multi && run.includeAll, 'several runs, or all, at once');
});

test('every variable a query uses is defined', () => {
  for (const file of files) {
    const dashboard = load(file);
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    for (const q of queriesOf(file, dashboard)) {
      for (const [, name] of q.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        assert.ok(name?.startsWith('__') || defined.has(name!), `${q.where}: $${name} is not a variable: ${q.expr}`);
      }
    }
  }
});

test('every metric a dashboard queries is registered by @pff/telemetry or served by RabbitMQ', async () => {
  const { labels, histograms } = await registered();
  assert.ok(labels.has('pff_layer_loss') && labels.has('process_resident_memory_bytes'), `the registry holds the services' metrics: ${[...labels.keys()].join(', ')}`);
  let checked = 0;
  for (const file of files) {
    for (const q of queriesOf(file, load(file))) {
      const names = metricsIn(q.expr, histograms);
      assert.ok(names.length > 0, `${q.where}: queries a known metric family: ${q.expr}`);
      for (const name of names) {
        checked += 1;
        assert.ok(labels.has(name) || RABBITMQ_PER_OBJECT.has(name), `${q.where}: ${name} is neither a registered metric nor a RabbitMQ per-object metric: ${q.expr}`);
      }
    }
  }
  assert.ok(checked > 40, `metric references checked: ${checked}`);
});

test('every query of a metric with a run label selects run=~"$run"', async () => {
  const { labels, histograms } = await registered();
  for (const [name, names] of labels) {
    if (name.startsWith('pff_')) assert.ok(names.size > 0, `servicesRegistry gives ${name} a series, so its labels are known`);
  }
  const withRun = new Set([...labels].filter(([, names]) => names.has('run')).map(([name]) => name));
  assert.ok(withRun.has('pff_layer_goodness') && withRun.has('pff_batch_step_seconds'), `run-labelled metrics: ${[...withRun].join(', ')}`);
  for (const file of files) {
    for (const q of queriesOf(file, load(file)).filter((x) => !x.variable)) {
      for (const [, name, selector] of q.expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(\{[^}]*\})?/g)) {
        const base = name!.replace(SERIES_SUFFIX, '');
        const metric = withRun.has(name!) ? name! : histograms.has(base) ? base : undefined;
        if (metric === undefined || !withRun.has(metric)) continue;
        assert.match(selector ?? '', /run=~"\$run"/, `${q.where}: ${name} without run=~"$run": ${q.expr}`);
      }
    }
  }
});

test('RabbitMQ serves the allow-listed metric families at /metrics/per-object', async (t) => {
  let text: string;
  try {
    text = await (await fetch('http://127.0.0.1:15692/metrics/per-object')).text();
  } catch {
    t.skip('RabbitMQ\'s prometheus plugin does not answer on 127.0.0.1:15692');
    return;
  }
  const families = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map(([, name]) => name));
  for (const name of RABBITMQ_PER_OBJECT) assert.ok(families.has(name), `${name} is served`);
});

test('every dashboard query runs in Prometheus and finds the services\' series', async (t) => {
  const registry = await servicesRegistry();
  const server = createServer((_req, res) => {
    scrape(registry).then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  const { port } = server.address() as { port: number };
  const prometheus = await startPrometheus({ targets: [{ job: 'pff', address: `127.0.0.1:${port}` }] });
  t.after(() => prometheus.close());
  await prometheus.waitForTargetsUp(15_000);

  for (const file of files) {
    for (const q of queriesOf(file, load(file))) {
      const expr = q.expr.replace(/\$\{?\w+\}?/g, '.*');
      if (/\brabbitmq_/.test(expr)) {
        // No pff.* queue exists here: the query must parse; it may find nothing.
        await assert.doesNotReject(prometheus.query(expr), `${q.where}: Prometheus accepts ${expr}`);
        continue;
      }
      // rate() needs two scrapes: waitForResult polls until there is a sample.
      await assert.doesNotReject(prometheus.waitForResult(expr, 10_000), `${q.where}: Prometheus returns a sample for ${expr}`);
    }
  }
});
