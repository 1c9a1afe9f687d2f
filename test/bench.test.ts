import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
