// `pff serve` as a laptop user runs it: the whole stack in one process on the embedded
// broker, workers added as the run needs them, one /metrics for every role.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadServeConfig } from '@pff/config';
import { startLocalStack } from '@pff/local-cluster';

it('pff serve: a run over HTTP on the embedded broker, workers started for it, every role\'s metrics on the API port', { timeout: 180_000 }, async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'pff-serve-'));
  const config = loadServeConfig({ PFF_RUN_DIR: runDir, PFF_PORT: '0', PFF_BACKEND: 'wasm' });
  const stack = await startLocalStack({ config, log: () => undefined });
  t.after(async () => {
    await stack.close();
    rmSync(runDir, { recursive: true, force: true });
  });
  assert.match(stack.apiToken, /^[0-9a-f]{32}$/, 'a token is made up when none is set');
  assert.equal(stack.cluster.workers.length, 0, 'no worker before a run needs one');
  const base = `http://127.0.0.1:${stack.port}`;
  const headers = { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' };
  const spec = { layers: [100, 100], epochs: 3, trainLimit: 3000, variant: 'single-layer', workers: 2, objective: 'local-softmax', learningRate: 0.003 };
  const created = await fetch(`${base}/runs`, { method: 'POST', headers, body: JSON.stringify({ id: 'serve-1', spec }) });
  assert.equal(created.status, 201, await created.text());
  // Series seen while the run trained (a worker's go when it leaves the run, before the run ends).
  const lines = new Set<string>();
  let status = '';
  for (let i = 0; i < 600 && status !== 'FINISHED'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = ((await (await fetch(`${base}/runs/serve-1`, { headers })).json()) as { status: string }).status;
    assert.ok(!['FAILED', 'KILLED'].includes(status), `the run ended ${status}`);
    const text = await (await fetch(`${base}/metrics`)).text();
    if (status === 'RUNNING') for (const line of text.split('\n')) lines.add(line.replace(/ [^ ]+$/, ''));
  }
  assert.equal(status, 'FINISHED', 'the run finished');
  assert.deepEqual(stack.cluster.workers.map((w) => w.stage).sort(), [0, 1], 'a worker per stage of the plan');
  for (const [name, role] of [['pff_samples_trained_total', 'worker'], ['pff_batch_step_seconds_count', 'worker'], ['pff_run_epoch', 'scheduler'], ['pff_http_request_duration_seconds_count', 'api'], ['process_resident_memory_bytes', 'api']]) {
    assert.ok([...lines].some((l) => l.startsWith(`${name}{`) && l.includes(`role="${role}"`)), `${name} of the ${role} on the API's /metrics`);
  }
  const plain = await fetch(`${base}/runs`, { method: 'POST', headers, body: JSON.stringify({ id: 'serve-plain', spec: { layers: [50, 50], epochs: 1, trainLimit: 500 } }) });
  assert.equal(plain.status, 201, 'a spec that names neither variant nor workers');
  const stages = Math.min(availableParallelism(), 2);
  const planned = ((await plain.json()) as { spec: { variant: string; workers: number } }).spec;
  assert.deepEqual([planned.variant, planned.workers], stages > 1 ? ['single-layer', stages] : ['sequential', 1], 'uses every core, a stage per layer at most, as pff train does');
  await fetch(`${base}/runs/serve-plain/stop`, { method: 'POST', headers: { authorization: headers.authorization } });
  const trainedLines = [...lines].filter((l) => l.startsWith('pff_samples_trained_total{') && l.includes('run="serve-1"'));
  assert.deepEqual(trainedLines.map((l) => /layer="(\d)"/.exec(l)?.[1]).sort(), ['0', '1'], `both layers count samples: ${trainedLines.join(' | ')}`);
});
