import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli, withEveryCore } from '@pff/cli';
import { memoryIo } from './helpers.js';

const run = async (args: string[], env: Record<string, string> = {}) => {
  const io = memoryIo(env);
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
};

const tiny = ['--layers', '20,20', '--epochs', '1', '--train-limit', '200', '--batch', '50'];

const usage: Array<[string[], RegExp]> = [
  [['train', '--epochs', '0'], /--epochs: must be >= 1/],
  [['train', '--epochs', 'ten'], /--epochs.*"ten" is not an integer/],
  [['train', '--layers', '500,,2'], /--layers.*not a comma-separated list/],
  [['train', '--layers', '0,5'], /--layers: must be >= 1/],
  [['train', '--neg', 'sometimes'], /--neg.*Allowed choices are random, fixed, adaptive/],
  [['train', '--classifier', 'knn'], /--classifier.*Allowed choices are goodness, softmax/],
  [['train', '--epochs', '5', '--chapters', '2'], /--chapters: must divide epochs \(5\), got 2/],
  [['train', '--batch', '-3'], /--batch: must be >= 1/],
  [['train', '--learning-rate', 'fast'], /--learning-rate.*"fast" is not a number/],
  [['train', '--bogus'], /unknown option '--bogus'/],
  [['train', '--variant', 'sequential', '--workers', '2'], /--workers: the sequential variant runs exactly 1 worker/],
  [['train', '--external-workers', ...tiny], /--external-workers needs a broker/],
  [['worker', '--stage', '1'], /brokerUrl \(PFF_BROKER_URL\): must be an amqp:\/\/ or amqps:\/\/ URL/],
  [['scheduler', '--broker', 'http://x'], /brokerUrl \(PFF_BROKER_URL\): must be an amqp/],
  [['train', '--data-dir', '/nonexistent/pff-data', ...tiny], /\/nonexistent\/pff-data: is not a directory/],
  [['train', '--dataset', 'cifar10', ...tiny], /CIFAR-10 needs --data-dir/],
  [['eval', '--model', '/nonexistent/model'], /\/nonexistent\/model\/model\.json: not found/],
  [['api', '--broker', 'amqp://127.0.0.1:5672'], /apiToken \(PFF_API_TOKEN\): must be set, at least 16 characters/],
  [['api'], /brokerUrl \(PFF_BROKER_URL\): must be an amqp/],
  [['serve', '--max-runs', 'x'], /--max-runs.*"x" is not/],
  [['frobnicate'], /unknown command 'frobnicate'/],
];

for (const [args, message] of usage) {
  test(`pff ${args.join(' ')} exits 2 naming the problem`, async () => {
    const { code, err } = await run(args);
    assert.equal(code, 2, err);
    assert.match(err, message);
  });
}

test('an unreachable broker is one line naming it, without its password', async () => {
  const { code, err } = await run(['train', ...tiny, '--broker', 'amqp://guest:secret@127.0.0.1:1']);
  assert.equal(code, 1, err);
  assert.match(err, /cannot connect to the broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
  assert.doesNotMatch(err, /secret/, 'the password stays out of the message');
});

test('pff train uses every core unless told otherwise', () => {
  assert.deepEqual(withEveryCore({ layers: [5, 5, 5] }, 2), { layers: [5, 5, 5], variant: 'single-layer', workers: 2 }, 'two cores, two stages');
  assert.deepEqual(withEveryCore({ layers: [5, 5] }, 8), { layers: [5, 5], variant: 'single-layer', workers: 2 }, 'at most a stage per layer');
  assert.deepEqual(withEveryCore({}, 1), {}, 'one core: the sequential default');
  assert.deepEqual(withEveryCore({ variant: 'sequential' }, 4), { variant: 'sequential' }, 'a chosen variant stays');
  assert.deepEqual(withEveryCore({ workers: 1 }, 4), { workers: 1 }, 'a chosen worker count stays');
});

test('a bad PFF_ setting stops pff train naming the variable', async () => {
  const { code, err } = await run(['train', ...tiny], { PFF_BACKEND: 'gpu' });
  assert.equal(code, 2);
  assert.match(err, /backend \(PFF_BACKEND\): must be one of/);
});

test('pff train --save, then pff eval reports the same accuracy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pff-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trained = await run(['train', ...tiny, '--json', '--save', dir]);
  assert.equal(trained.code, 0, trained.err);
  const { accuracy } = JSON.parse(trained.out) as { accuracy: number };
  const evaluated = await run(['eval', '--model', dir, '--json']);
  assert.equal(evaluated.code, 0, evaluated.err);
  assert.equal((JSON.parse(evaluated.out) as { accuracy: number }).accuracy, accuracy);
  const human = await run(['train', ...tiny]);
  assert.match(human.out, /^accuracy \d+\.\d\d% on 10000 test samples; trained 1 epochs in/);
});

test('pff train --eval-every 1 reports test accuracy after every epoch on stderr', async () => {
  const { code, err, out } = await run(['train', '--layers', '20,20', '--epochs', '2', '--train-limit', '200', '--batch', '50', '--eval-every', '1', '--json']);
  assert.equal(code, 0, err);
  assert.match(err, /epoch 1\/2 \(chapter 1\): loss \d+\.\d+, test accuracy \d+\.\d\d%/);
  assert.match(err, /epoch 2\/2 \(chapter 2\): loss \d+\.\d+, test accuracy \d+\.\d\d%/);
  const summary = JSON.parse(out) as { history: Array<{ accuracy?: number }> };
  assert.ok(summary.history.every((h) => typeof h.accuracy === 'number'), 'every epoch record has its accuracy');
});

test('the installed bin runs as a process: JSON on stdout, exit code 0; bad input exits 2', async () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'pff.mjs');
  const exec = promisify(execFile);
  const { stdout } = await exec(process.execPath, [bin, 'train', ...tiny, '--json'], { env: { ...process.env, PFF_BACKEND: 'wasm' } });
  const summary = JSON.parse(stdout) as { accuracy: number; variant: string; workers?: number };
  assert.equal(summary.variant, 'single-layer', 'by default the layers are spread over the cores');
  assert.equal(summary.workers, Math.min(2, availableParallelism()), 'one worker per core, at most one per layer');
  assert.ok(summary.accuracy >= 0 && summary.accuracy <= 1);
  await assert.rejects(exec(process.execPath, [bin, 'train', '--epochs', '0']), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr ?? '', /--epochs: must be >= 1/);
    return true;
  });
});
