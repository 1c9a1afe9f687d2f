// The whole stack as Kubernetes runs it: `pff scheduler`, two `pff worker` and `pff api`
// processes on this machine's RabbitMQ, scraped by a real Prometheus. One run goes
// through the REST API over a real port: created, followed to FINISHED, its model
// downloaded and used to predict the MNIST test set with the accuracy the run reported;
// meanwhile every query of every Grafana dashboard must return data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { BROKER_URL, mnist, uniqueRunId } from './pipeline-helpers.js';
import { apiClient } from './support/api-client.js';
import { files, load, queriesOf } from './support/dashboards.js';
import { startPrometheus } from './support/prometheus.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';

const TOKEN = 'stack-e2e-token-0123456789';

it('a run over the REST API on RabbitMQ: FINISHED, predicts as reported, every dashboard query has data', { timeout: 600_000 }, async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'pff-stack-'));
  // 256 KiB: batches travel whole, the model (0.8 MB) comes back to the API in parts.
  const env = { PFF_BROKER_URL: BROKER_URL, PFF_BACKEND: 'wasm', PFF_PORT: '0', PFF_API_TOKEN: TOKEN, PFF_RUN_DIR: runDir, PFF_MAX_MESSAGE_BYTES: '262144' };
  const processes: RoleProcess[] = [];
  t.after(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    rmSync(runDir, { recursive: true, force: true });
  });
  const start = async (args: string[], ready: RegExp): Promise<RoleProcess> => {
    const p = await startRoleProcess(args, env, ready);
    processes.push(p);
    return p;
  };
  const scheduler = await start(['scheduler'], /scheduler ready; probes on :(\d+)/);
  const workers = [await start(['worker', '--stage', '0', '--replica', 'e2e-a'], /ready; probes on :(\d+)/), await start(['worker', '--stage', '0', '--replica', 'e2e-b'], /ready; probes on :(\d+)/)];
  const api = await start(['api'], /listening on :(\d+)/);
  const prometheus = await startPrometheus({
    targets: [
      { job: 'pff-api', address: `127.0.0.1:${api.port}` },
      { job: 'pff-scheduler', address: `127.0.0.1:${scheduler.port}` },
      ...workers.map((w, i) => ({ job: `pff-worker-${i}`, address: `127.0.0.1:${w.port}` })),
      { job: 'rabbitmq', address: '127.0.0.1:15692', metricsPath: '/metrics/per-object' },
    ],
  });
  t.after(() => prometheus.close());
  await prometheus.waitForTargetsUp(60_000);

  const base = `http://127.0.0.1:${api.port}`;
  const call = apiClient(base, TOKEN);
  const id = uniqueRunId('e2e');
  // all-layers with two replicas: parameter sharing every 10 batches feeds the sync panels.
  const spec = { layers: [200, 200], epochs: 2, trainLimit: 6000, variant: 'all-layers', workers: 2, shareEvery: 10, evalEvery: 1, seed: 3, objective: 'local-softmax', learningRate: 0.003 };
  const created = await call('POST', '/runs', { id, name: 'end to end', spec });
  assert.equal(created.status, 201, JSON.stringify(created.json));

  const queries = files.flatMap((file) => queriesOf(file, load(file)))
    .map((q) => ({ ...q, expr: q.expr.replaceAll('$run', id).replaceAll('$role', '.*').replaceAll('$instance', '.*') }));
  assert.ok(queries.length >= 30, `the dashboards hold their queries (${queries.length})`);
  const answered = new Set<string>();
  const ask = async (): Promise<void> => {
    for (const q of queries) {
      if (answered.has(q.where)) continue;
      const result = await prometheus.query(q.expr);
      if (Array.isArray(result.result) && result.result.length > 0 && result.resultType !== 'scalar') answered.add(q.where);
    }
  };
  let run: Record<string, unknown> = created.json;
  const until = Date.now() + 420_000;
  while (run['status'] !== 'FINISHED') {
    assert.ok(!['FAILED', 'KILLED'].includes(run['status'] as string), `the run ended ${String(run['status'])}: ${String(run['error'])}`);
    assert.ok(Date.now() < until, `the run did not finish in time: ${JSON.stringify(run)}`);
    await ask();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const got = await call('GET', `/runs/${id}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    run = got.json;
  }
  // Series of a run's workers go when it ends; what is left (the API's, the run's gauges) can still answer.
  for (let i = 0; i < 5 && answered.size < queries.length; i++) {
    await ask();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const silent = queries.filter((q) => !answered.has(q.where)).map((q) => `${q.where}: ${q.expr}`);
  assert.deepEqual(silent, [], 'every dashboard query returned data during the run');

  const accuracy = (run['metrics'] as { accuracy: number }).accuracy;
  assert.ok(accuracy > 0.8, `the run learned: ${accuracy}`);
  const model = await fetch(`${base}/runs/${id}/model`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(model.status, 200, 'model.json');
  const manifest = (await model.json()) as { weightsManifest: Array<{ paths: string[] }> };
  const weights = await fetch(new URL(manifest.weightsManifest[0]!.paths[0]!, `${base}/runs/${id}/model`), { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(weights.status, 200, 'the weights, where the manifest says');
  assert.ok((await weights.arrayBuffer()).byteLength > 262_144, 'the weights, larger than one message, arrived whole');

  const test = mnist(6000).test;
  let correct = 0;
  for (let start = 0; start < test.count; start += 250) {
    const rows = Math.min(250, test.count - start);
    const inputs = Array.from({ length: rows }, (_, r) => Array.from(test.images.subarray((start + r) * 784, (start + r + 1) * 784)));
    const predicted = await call('POST', `/runs/${id}/predict`, { inputs });
    assert.equal(predicted.status, 200, JSON.stringify(predicted.json).slice(0, 300));
    const predictions = predicted.json['predictions'] as Array<{ label: number }>;
    predictions.forEach((p, r) => (correct += p.label === test.labels[start + r] ? 1 : 0));
  }
  assert.ok(Math.abs(correct / test.count - accuracy) <= 0.002, `the API's predictions score ${correct / test.count} on the test set; the run reported ${accuracy}`);
});
