// Damaged files on disk: the scheduler's run records and checkpoints, and the datasets
// and models `pff` reads. Every error names the file and what is wrong with it; a
// scheduler meeting a damaged record keeps every other run; a process killed in the
// middle of writing a checkpoint never leaves one that cannot be resumed from.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '@pff/backend';
import { runCli } from '@pff/cli';
import { loadSchedulerConfig } from '@pff/config';
import { parseRunSpec, type RunSpec } from '@pff/contracts';
import { FFNetwork } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { createSchedulerService, OPTIMIZER_FILE, RunStore, RunStoreError, type RunRecord, type SchedulerService } from '@pff/scheduler';
import { networkConfigOf } from '@pff/trainer';
import { createEmbeddedTransport, EmbeddedBroker } from '@pff/transport';
import { memoryIo } from './helpers.js';

/** Every test's files live below one directory, removed at the end. */
const ROOT = mkdtempSync(join(tmpdir(), 'pff-bad-files-'));
let made = 0;
const freshDir = (): string => mkdtempSync(join(ROOT, `${++made}-`));

before(async () => {
  await initBackend('wasm');
});
after(() => rmSync(ROOT, { recursive: true, force: true }));

const SPEC = parseRunSpec({ layers: [8, 6], epochs: 4, trainLimit: 100 });
/** A network whose weights say which chapter it is the checkpoint of. */
const networkOf = (chapter: number): FFNetwork => new FFNetwork(networkConfigOf(SPEC, 20, 1), createRng(chapter));
const fingerprint = (weights: ReadonlyMap<string, Float32Array>): string => Array.from(weights.get('layer0/weights')!.subarray(0, 6)).join(',');
const chapterPrint = (chapter: number): string => {
  const network = networkOf(chapter);
  const print = Array.from((network.namedWeights().find(([name]) => name === 'layer0/weights')![1].dataSync() as Float32Array).subarray(0, 6)).join(',');
  network.dispose();
  return print;
};

function record(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId, spec: { ...SPEC, layers: [...SPEC.layers] }, status: 'RUNNING', attempt: 0, createdAt: '2026-01-01T00:00:00.000Z',
    chaptersDone: 0, history: [], trainSeconds: 0, evalSeconds: 0, layers: [], ...overrides,
  };
}

/** Saves chapter `chapter`'s checkpoint, then the record that says so, as the run runner does. */
async function checkpoint(store: RunStore, runId: string, chapter: number): Promise<void> {
  const network = networkOf(chapter);
  try {
    await store.saveNetwork(runId, 'checkpoint', SPEC as RunSpec, network, { chaptersDone: chapter });
  } finally {
    network.dispose();
  }
  store.save({ ...store.get(runId), chaptersDone: chapter });
}

const RECORDS: Array<[string, (file: string, runId: string) => void, RegExp]> = [
  ['not JSON', (file) => writeFileSync(file, '{"runId": "r", "spec": {'), /is not valid JSON/],
  ['an empty file', (file) => writeFileSync(file, ''), /is not valid JSON/],
  ['JSON of another shape', (file) => writeFileSync(file, '[1, 2, 3]'), /is not a run record: \/ /],
  ['a status that is not one', (file, runId) => writeFileSync(file, JSON.stringify(record(runId, { status: 'PAUSED' as never }))), /is not a run record: \/status/],
  ['a spec field out of range', (file, runId) => writeFileSync(file, JSON.stringify(record(runId, { spec: { ...SPEC, layers: [0] } }))), /is not a run record: \/spec\/layers\/0/],
  ['a spec whose chapters do not divide its epochs', (file, runId) => writeFileSync(file, JSON.stringify(record(runId, { spec: { ...SPEC, layers: [...SPEC.layers], epochs: 3, chapters: 2 } }))), /has an invalid spec: chapters: must divide epochs \(3\), got 2/],
  ['another run\'s record', (file) => writeFileSync(file, JSON.stringify(record('someone-else'))), /holds run someone-else, but its directory is run/],
];

describe('run records', () => {
  for (const [what, damage, problem] of RECORDS) {
    it(`${what}: refused, naming run.json and the problem`, () => {
      const dir = freshDir();
      mkdirSync(join(dir, 'damaged'));
      const file = join(dir, 'damaged', 'run.json');
      damage(file, 'damaged');
      assert.throws(() => new RunStore(dir).get('damaged'), (error: unknown) => {
        assert.ok(error instanceof RunStoreError, String(error));
        assert.ok(error.message.startsWith(`${file}: `), `${error.message} names ${file}`);
        assert.match(error.message, problem);
        return true;
      });
    });
  }

  it('a scheduler starting on damaged records skips them, names each file, and keeps every other run', { timeout: 60_000 }, async (t) => {
    const { scheduler, dir, log, weights } = await startOnDamagedStore(t);
    RECORDS.forEach(([what, , problem], i) => {
      const file = join(dir, `damaged-${i}`, 'run.json');
      assert.ok(log().includes(`skipped a damaged run record: ${file}: `), `${what}: the log names ${file}:\n${log()}`);
      assert.match(log(), problem);
      assert.ok(fs.existsSync(file), 'a damaged record is left for its operator');
    });
    assert.deepEqual(scheduler.store.list().map((r) => r.runId).sort(), ['broken-checkpoint', 'failed-run', 'finished-run'], 'every readable run is kept');
    assert.equal(scheduler.store.get('finished-run').status, 'FINISHED');
    assert.ok(log().includes(`${weights}: has 100 bytes`), `the damaged checkpoint is named:\n${log()}`);
  });

  it('a run whose checkpoint is damaged ends FAILED, its record naming the file', { timeout: 60_000 }, async (t) => {
    const { scheduler, weights } = await startOnDamagedStore(t);
    const record = scheduler.store.get('broken-checkpoint');
    assert.equal(record.status, 'FAILED');
    assert.match(record.error ?? '', new RegExp(`${weights}: has 100 bytes`));
  });
});

/**
 * A scheduler started on a run store with a record of each kind of damage, two good
 * finished runs, and a RUNNING run whose checkpoint was cut short (which it tries to
 * resume, and has given up on when this resolves).
 */
async function startOnDamagedStore(t: { after: (fn: () => Promise<void> | void) => void }): Promise<{ scheduler: SchedulerService; dir: string; log: () => string; weights: string }> {
  const dir = freshDir();
  const good = new RunStore(dir);
  good.save(record('finished-run', { status: 'FINISHED', chaptersDone: 4 }));
  good.save(record('failed-run', { status: 'FAILED', error: 'boom' }));
  RECORDS.forEach(([, damage], i) => {
    mkdirSync(join(dir, `damaged-${i}`));
    damage(join(dir, `damaged-${i}`, 'run.json'), `damaged-${i}`);
  });
  good.save(record('broken-checkpoint', { chaptersDone: 1 }));
  await checkpoint(good, 'broken-checkpoint', 1);
  const weights = join(dir, 'broken-checkpoint', 'checkpoint', 'weights.bin');
  writeFileSync(weights, readFileSync(weights).subarray(0, 100));
  const lines: string[] = [];
  const config = loadSchedulerConfig({ PFF_BROKER_URL: 'amqp://unused', PFF_PORT: '0', PFF_BACKEND: 'wasm', PFF_RUN_DIR: dir });
  const scheduler = createSchedulerService({ config, log: (line) => lines.push(line), transport: createEmbeddedTransport(new EmbeddedBroker()), processMetrics: false });
  t.after(() => scheduler.close());
  await scheduler.start();
  await scheduler.settled('broken-checkpoint');
  return { scheduler, dir, log: () => lines.join('\n'), weights };
}

describe('checkpoints', () => {
  it('a checkpoint cut short or not JSON is refused, naming the file', async () => {
    const store = new RunStore(freshDir());
    store.save(record('cut'));
    await checkpoint(store, 'cut', 1);
    const dir = join(store.dir, 'cut', 'checkpoint');
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 64));
    assert.throws(() => new RunStore(store.dir).loadCheckpoint('cut'), new RegExp(`^.*${join(dir, 'weights.bin')}: has 64 bytes, the manifest describes \\d+`));
    writeFileSync(join(dir, 'model.json'), '{"format": "pff-ff-mod');
    assert.throws(() => new RunStore(store.dir).loadCheckpoint('cut'), new RegExp(`${join(dir, 'model.json')}: is not valid JSON`));
    writeFileSync(join(dir, 'model.json'), '{"format": "keras"}');
    assert.throws(() => new RunStore(store.dir).loadCheckpoint('cut'), new RegExp(`${join(dir, 'model.json')}: is not a pff-ff-model v1 file: / must have required properties`));
  });

  it('a checkpoint keeps the workers\' optimizer state; a damaged one is refused, naming the file', async () => {
    const store = new RunStore(freshDir());
    store.save(record('adam'));
    const network = new FFNetwork(networkConfigOf(SPEC as RunSpec, 784, 255), createRng(1));
    const state = [
      { name: 'layer0/weights#steps', shape: [1], data: Float32Array.of(12) },
      { name: 'layer0/bias#slot0', shape: [2], data: Float32Array.of(0.5, -0.25) },
    ];
    try {
      await store.saveNetwork('adam', 'checkpoint', SPEC as RunSpec, network, { chaptersDone: 0 }, state);
    } finally {
      network.dispose();
    }
    const loaded = new RunStore(store.dir).loadCheckpoint('adam').optimizer;
    assert.deepEqual(loaded.map((t) => [t.name, [...t.shape], [...t.data]]), state.map((t) => [t.name, t.shape, [...t.data]]), 'the optimizer state comes back as it was saved');
    const file = join(store.dir, 'adam', 'checkpoint', OPTIMIZER_FILE);
    writeFileSync(file, readFileSync(file).subarray(0, 40));
    assert.throws(() => new RunStore(store.dir).loadCheckpoint('adam'), new RegExp(`${file}: `), 'the damaged file is named');
  });

  it('a process that died between a checkpoint and its record resumes from the checkpoint the record describes', async () => {
    const store = new RunStore(freshDir());
    store.save(record('between'));
    await checkpoint(store, 'between', 1);
    const network = networkOf(2);
    await store.saveNetwork('between', 'checkpoint', SPEC as RunSpec, network, { chaptersDone: 2 });
    network.dispose();
    // ... and here the process died: the record still says chapter 1.
    const resumed = new RunStore(store.dir).loadCheckpoint('between');
    assert.equal(fingerprint(resumed.weights), chapterPrint(1), 'the weights of chapter 1, which the record (and its counts) describe');
  });

  it('killed at any step of writing a checkpoint, the run resumes from a whole checkpoint that matches its record', async (t) => {
    const steps = ['writeFileSync', 'renameSync', 'rmSync', 'mkdirSync'] as const;
    const original = Object.fromEntries(steps.map((name) => [name, fs[name]])) as Pick<typeof fs, (typeof steps)[number]>;
    let countdown = Infinity;
    const crash = new Error('killed');
    for (const name of steps) {
      (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        if (--countdown === 0) {
          // A kill in the middle of a write leaves half the file.
          const content = args[1] as Buffer | string;
          if (name === 'writeFileSync') original.writeFileSync(args[0] as string, content.slice(0, Math.floor(content.length / 2)));
          throw crash;
        }
        return (original[name] as (...a: unknown[]) => unknown)(...args);
      };
    }
    syncBuiltinESMExports();
    t.after(() => {
      Object.assign(fs, original);
      syncBuiltinESMExports();
    });
    const root = freshDir();
    let completed = false;
    for (let step = 1; !completed; step++) {
      const store = new RunStore(join(root, `step-${step}`));
      store.save(record('killed'));
      await checkpoint(store, 'killed', 1);
      await checkpoint(store, 'killed', 2);
      countdown = step;
      try {
        await checkpoint(store, 'killed', 3);
        completed = true;
      } catch (error) {
        assert.equal(error, crash, `step ${step}: ${String(error)}`);
      }
      countdown = Infinity;
      const restarted = new RunStore(store.dir);
      const chaptersDone = restarted.get('killed').chaptersDone;
      assert.equal(fingerprint(restarted.loadCheckpoint('killed').weights), chapterPrint(chaptersDone), `killed at step ${step}: chapter ${chaptersDone}'s checkpoint`);
      // The restarted run carries on: its next checkpoint is whole too.
      await checkpoint(restarted, 'killed', chaptersDone + 1);
      assert.equal(fingerprint(new RunStore(store.dir).loadCheckpoint('killed').weights), chapterPrint(chaptersDone + 1), `step ${step}: the next checkpoint`);
      assert.ok(step < 50, 'a checkpoint takes a handful of steps');
    }
  });

  it('SIGKILL at random moments of a process writing checkpoints never leaves one that cannot be resumed', { timeout: 120_000 }, async () => {
    const dir = freshDir();
    // Big enough that a write takes a while: the kill lands inside one now and then.
    const BIG_SPEC = parseRunSpec({ ...SPEC, layers: [600, 600] });
    const script = `
      import { initBackend } from '@pff/backend';
      import { parseRunSpec } from '@pff/contracts';
      import { FFNetwork } from '@pff/ff-core';
      import { createRng } from '@pff/random';
      import { RunStore } from '@pff/scheduler';
      import { networkConfigOf } from '@pff/trainer';
      await initBackend('cpu');
      const spec = parseRunSpec(${JSON.stringify(BIG_SPEC)});
      const store = new RunStore(${JSON.stringify(dir)});
      const runId = 'sigkill';
      if (!store.has(runId)) store.save(${JSON.stringify(record('sigkill'))});
      const big = networkConfigOf(spec, 784, 1);
      for (let chapter = store.get(runId).chaptersDone + 1; ; chapter++) {
        const network = new FFNetwork(big, createRng(chapter));
        await store.saveNetwork(runId, 'checkpoint', spec, network, { chaptersDone: chapter });
        network.dispose();
        store.save({ ...store.get(runId), chaptersDone: chapter });
        process.stdout.write(chapter + '\\n');
      }`;
    for (let kill = 0; kill < 4; kill++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // A few checkpoints in, then at a random moment.
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        child.stdout.on('data', (chunk: Buffer) => {
          lines += chunk.toString().split('\n').length - 1;
          if (lines >= 2) resolve();
        });
        void exited.then(() => reject(new Error(`the writer exited:\n${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      child.kill('SIGKILL');
      await exited;
      const store = new RunStore(dir);
      const chaptersDone = store.get('sigkill').chaptersDone;
      const { weights } = store.loadCheckpoint('sigkill');
      const expected = new FFNetwork(networkConfigOf(BIG_SPEC, 784, 1), createRng(chaptersDone));
      const print = Array.from((expected.namedWeights().find(([name]) => name === 'layer0/weights')![1].dataSync() as Float32Array).subarray(0, 6)).join(',');
      expected.dispose();
      assert.equal(fingerprint(weights), print, `after kill ${kill + 1}: the checkpoint of chapter ${chaptersDone}, as the record says`);
    }
  });
});

describe('pff reading damaged files', () => {
  it('pff train --data-dir with a damaged IDX file: one line naming the file, exit 2', async () => {
    const dir = freshDir();
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(dir, name), 'garbage, not IDX');
    const io = memoryIo({});
    const code = await runCli(['train', '--data-dir', dir, '--layers', '20', '--epochs', '1', '--train-limit', '100'], io);
    assert.equal(code, 2, io.err());
    assert.equal(io.err(), `pff: ${join(dir, 'train-images-idx3-ubyte')}: magic number 0x67617262, expected 0x00000803 (IDX unsigned bytes, 3 dimensions)\n`);
  });

  it('pff eval --model with damaged weights: one line naming the file, exit 2', async () => {
    const dir = freshDir();
    const trained = memoryIo({});
    assert.equal(await runCli(['train', '--layers', '20', '--epochs', '1', '--train-limit', '200', '--variant', 'sequential', '--workers', '1', '--backend', 'wasm', '--save', dir], trained), 0, trained.err());
    const weights = join(dir, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes.fill(0xff, 0, 64);
    writeFileSync(weights, bytes);
    const io = memoryIo({});
    assert.equal(await runCli(['eval', '--model', dir], io), 2, io.err());
    assert.equal(io.err(), `pff: ${weights}: does not match ${join(dir, 'model.json')} (SHA-256 differs): damaged, or written by another save\n`);
  });
});
