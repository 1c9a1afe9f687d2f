import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@pff/backend';
import { API_ROUTES, runBench } from '@pff/bench';
import { runCli } from '@pff/cli';
import { memoryIo } from './helpers.js';

test('pff bench --suite step writes its JSON and prints the table', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pff-bench-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const io = memoryIo({ PFF_BACKEND: 'wasm' });
  const code = await runCli(['bench', '--suite', 'step', '--reps', '1', '--out', out], io);
  assert.equal(code, 0, io.err());
  const files = readdirSync(out);
  assert.equal(files.length, 1, `one results file: ${files.join(', ')}`);
  assert.match(files[0]!, /^step-.*\.json$/, 'named after the suite');
  const result = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as {
    suite: string;
    environment: { backend: string };
    rows: Array<{ inputSize: number; outputSize: number; batch: number; ratio: number; stepMs: number }>;
  };
  assert.equal(result.suite, 'step', 'the suite is recorded');
  assert.equal(result.environment.backend, 'wasm', 'the backend is recorded');
  assert.equal(result.rows.length, 8, '4 shapes x 2 batch sizes');
  for (const row of result.rows) assert.ok(row.ratio > 0 && row.stepMs > 0, JSON.stringify(row));
  assert.match(io.out(), /## step/, 'the table is printed');
  assert.match(io.out(), /2000x2000\s+256/, 'with every shape');
});

test('pff bench refuses an unknown suite', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['bench', '--suite', 'speed'], io), 2, 'a usage error');
  assert.match(io.err(), /unknown suite speed/, io.err());
});

test('pff bench knows the pipeline suite and refuses a pipeline run of 0 epochs', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['bench', '--suite', 'pipeline', '--epochs', '0'], io), 2, 'a usage error');
  assert.match(io.err(), /"0" is not a positive integer/, io.err());
  assert.doesNotMatch(io.err(), /unknown suite/, 'pipeline is a suite');
});

test('the api suite measures every GET route idle and while a run trains, and leaves nothing running', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'pff-bench-api-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  await initBackend('wasm');
  const log: string[] = [];
  const reports = await runBench({
    suites: ['api'], outDir: out, dataDir: '', reps: 1, log: (line) => log.push(line),
    api: { seconds: 1, connections: 5, trainLimit: 2000, evalEvery: 0 },
  });
  assert.equal(reports.length, 1, log.join('\n'));
  assert.match(reports[0]!.file, /api-.*\.json$/, 'named after the suite');
  assert.match(reports[0]!.table, /\/runs\/:id\/metrics\/loss\/history\s+training/, 'the table has every route');
  const result = JSON.parse(readFileSync(reports[0]!.file, 'utf8')) as {
    suite: string; target: string; pass: boolean; valid: boolean; ratios: { p99: number | null };
    options: { seconds: number; connections: number; brokerUrl: string };
    rows: Array<{ route: string; training: boolean; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; requests: number; requestsPerSecond: number; non2xx: number; errors: number; run: { statusBefore: string; statusAfter: string } }>;
  };
  assert.equal(result.suite, 'api');
  assert.match(result.target, /p99 <= 50 ms/, 'the target is recorded');
  assert.equal(typeof result.pass, 'boolean');
  assert.equal(result.options.connections, 5);
  assert.equal(result.options.brokerUrl, 'embedded');
  assert.deepEqual(result.rows.map((r) => [r.route, r.training]), [['/runs/:id', false], ...API_ROUTES.map((r) => [r, true])], 'the idle baseline, then every route under training');
  assert.equal(result.valid, true, 'the run trained throughout the loaded measurements');
  for (const row of result.rows) {
    assert.ok(row.requests > 0 && row.requestsPerSecond > 0, `requests answered: ${JSON.stringify(row)}`);
    assert.ok(Number.isFinite(row.p99Ms) && row.p99Ms >= row.p50Ms && row.maxMs >= row.p99Ms, `ordered percentiles: ${JSON.stringify(row)}`);
    // Whole milliseconds: /healthz may answer every request within 1 ms; the routes that ask the scheduler never do.
    if (row.route !== '/healthz') assert.ok(row.p99Ms > 0, `a positive p99: ${JSON.stringify(row)}`);
    assert.equal(row.non2xx + row.errors, 0, `every answer 2xx: ${JSON.stringify(row)}`);
  }
  assert.ok(result.ratios.p99 === null || result.ratios.p99 > 0, 'the training/idle ratio is recorded');
});
