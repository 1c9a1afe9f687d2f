// Hostile and broken messages on every queue a live run reads, against the real
// RabbitMQ, real `pff worker` processes and the scheduler service: each message is
// dead-lettered with a reason that names its problem and counted in the receiver's
// pff_messages_total{outcome="dead_lettered"}; the workers train on and the run ends
// with every batch trained exactly once at every layer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { initBackend } from '@pff/backend';
import { loadSchedulerConfig } from '@pff/config';
import {
  CONTROL_QUEUE,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  eventsQueue,
  MessageError,
  RUN_REQUESTS_QUEUE,
  SCHEMA_VERSION,
  stageQueue,
  type NamedTensor,
} from '@pff/contracts';
import { createSchedulerService } from '@pff/scheduler';
import { connectBroker, deadLetterQueueOf, REASON_HEADER, type Delivery, type Transport } from '@pff/transport';
import { assertExactCounts, smallSpec, uniqueRunId } from './pipeline-helpers.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';
import { createScratchVhost } from './support/scratch-vhost.js';

before(async () => {
  await initBackend('wasm');
});

/** One bad message: its name (travels in a header, so its dead letter can be told apart), bytes, and the reason it must get. */
interface Poison {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly reason: RegExp;
}

const CASE_HEADER = 'x-poison-case';
const PREAMBLE = 10;
const align8 = (n: number): number => (n + 7) & ~7;

/** The frame with its JSON header rewritten and its data section kept byte for byte. */
function rewriteHeader(frame: Uint8Array, edit: (header: { tensors: Array<{ name: string; dtype: string; shape: number[] }>; [key: string]: unknown }) => void): Uint8Array {
  const length = new DataView(frame.buffer, frame.byteOffset).getUint32(6, true);
  const header = JSON.parse(new TextDecoder().decode(frame.subarray(PREAMBLE, PREAMBLE + length))) as Parameters<typeof edit>[0];
  const data = frame.subarray(header.tensors.length > 0 ? align8(PREAMBLE + length) : PREAMBLE + length);
  edit(header);
  return rawFrame(new TextEncoder().encode(JSON.stringify(header)), data);
}

/** Preamble (magic, version, header length), `headerBytes` as they are, then `data` at the next 8-aligned offset. */
function rawFrame(headerBytes: Uint8Array, data: Uint8Array = new Uint8Array(0), version = SCHEMA_VERSION): Uint8Array {
  const start = data.length > 0 ? align8(PREAMBLE + headerBytes.length) : PREAMBLE + headerBytes.length;
  const out = new Uint8Array(start + data.length);
  out.set(new TextEncoder().encode('PFFM'));
  const view = new DataView(out.buffer);
  view.setUint16(4, version, true);
  view.setUint32(6, headerBytes.length, true);
  out.set(headerBytes, PREAMBLE);
  out.set(data, start);
  return out;
}

function withValue(frame: Uint8Array, tensor: string, value: number): Uint8Array {
  const decoded = decodeMessage(frame);
  const data = decoded.tensors.get(tensor)!.data as Float32Array;
  const copy = frame.slice();
  const at = data.byteOffset - frame.byteOffset + 3 * 4;
  new DataView(copy.buffer).setFloat32(at, value, true);
  return copy;
}

/** Random bytes (never a PFF frame's start): `count` shorter than a preamble, `count` longer. */
const garbage = (seed: number, count: number): Uint8Array[] =>
  [fc.uint8Array({ minLength: 1, maxLength: 9 }), fc.uint8Array({ minLength: 10, maxLength: 4096, size: 'max' })].flatMap((arbitrary) =>
    fc.sample(arbitrary.filter((b) => new TextDecoder().decode(b.subarray(0, 4)) !== 'PFFM'), { seed, numRuns: count }));

/**
 * What any queue must refuse, made from a valid message of that queue (`valid`, whose
 * float tensor `floats` comes last): damage to the frame itself.
 */
function frameDamage(valid: Uint8Array, floats: string): Poison[] {
  const headerLength = new DataView(valid.buffer, valid.byteOffset).getUint32(6, true);
  const lastShape = (frame: Uint8Array): number[] => decodeMessage(frame).tensors.get(floats)!.shape as number[];
  const [rows, width] = lastShape(valid) as [number, number];
  const randomHeader = fc.sample(fc.uint8Array({ minLength: 64, maxLength: 64 }), { seed: 11, numRuns: 1 })[0]!;
  return [
    { name: 'schema version 2', bytes: (() => { const b = valid.slice(); new DataView(b.buffer).setUint16(4, 2, true); return b; })(), reason: /^schema version 2 is not supported \(expected 1\)$/ },
    { name: 'bad magic', bytes: (() => { const b = valid.slice(); b.set(new TextEncoder().encode('PFFX')); return b; })(), reason: /^not a PFF frame \(bad magic\)$/ },
    { name: 'JSON instead of a frame', bytes: new TextEncoder().encode(JSON.stringify(decodeMessage(valid).message)), reason: /bad magic/ },
    ...garbage(5, 2).map((bytes, i) => ({ name: `${bytes.length} random bytes (${i})`, bytes, reason: bytes.length < PREAMBLE ? /^frame of \d bytes is shorter than its preamble \(10 bytes\)$/ : /^not a PFF frame \(bad magic\)$/ })),
    { name: 'random bytes after a valid preamble', bytes: rawFrame(randomHeader), reason: /^header is not UTF-8 JSON$/ },
    { name: 'empty body', bytes: new Uint8Array(0), reason: /^empty message \(0 bytes, not a PFF frame\)$/ },
    { name: 'header cut', bytes: valid.slice(0, PREAMBLE + (headerLength >> 1)), reason: new RegExp(`^header length ${headerLength} does not fit a frame of \\d+ bytes$`) },
    { name: 'tensor data cut', bytes: valid.slice(0, valid.length - 6), reason: new RegExp(`^tensor ${floats} is truncated: shape \\[${rows},${width}\\] of float32 needs ${rows * width * 4} bytes`) },
    {
      name: 'a shape larger than its data', bytes: rewriteHeader(valid, (h) => (h.tensors[h.tensors.length - 1]!.shape = [rows, width + 1])),
      reason: new RegExp(`^tensor ${floats} is truncated: shape \\[${rows},${width + 1}\\]`),
    },
    {
      name: 'a shape smaller than its data', bytes: rewriteHeader(valid, (h) => (h.tensors[h.tensors.length - 1]!.shape = [rows - 1, width])),
      reason: new RegExp(`^frame has ${width * 4} bytes after its last tensor \\(${floats}\\)`),
    },
    {
      name: 'a huge declared shape', bytes: rewriteHeader(valid, (h) => (h.tensors[h.tensors.length - 1]!.shape = [2 ** 27, 2 ** 27, 64])),
      reason: new RegExp(`^tensor ${floats} is truncated: shape \\[134217728,134217728,64\\] of float32 needs \\d+ bytes`),
    },
    { name: 'dtype float64', bytes: rewriteHeader(valid, (h) => (h.tensors[h.tensors.length - 1]!.dtype = 'float64')), reason: new RegExp(`^tensor ${floats}: dtype float64 is not float32, int32 or uint8$`) },
    { name: 'NaN', bytes: withValue(valid, floats, Number.NaN), reason: new RegExp(`^tensor ${floats} holds NaN or Infinity \\(NaN at value 3\\)$`) },
    { name: '+Infinity', bytes: withValue(valid, floats, Number.POSITIVE_INFINITY), reason: new RegExp(`^tensor ${floats} holds NaN or Infinity \\(Infinity at value 3\\)$`) },
    { name: '-Infinity', bytes: withValue(valid, floats, Number.NEGATIVE_INFINITY), reason: new RegExp(`^tensor ${floats} holds NaN or Infinity \\(-Infinity at value 3\\)$`) },
    { name: 'a header that is an array', bytes: rawFrame(new TextEncoder().encode('[1,2,3]')), reason: /^header is not a JSON object$/ },
    { name: 'an unknown kind', bytes: encodeFrame({ kind: 'sabotage' }), reason: /^unknown message kind "sabotage"$/ },
  ];
}

const labelsOf = (rows: number): Uint8Array => Uint8Array.from({ length: rows }, (_, i) => i % 10);
const indicesOf = (rows: number): Int32Array => Int32Array.from({ length: rows }, (_, i) => i);
const floatsOf = (rows: number, width: number): Float32Array => new Float32Array(rows * width).fill(0.25);

/** A batch for stage 0 (images) or 1 (activations of the 200-unit layer 0) of smallSpec's two-layer network. */
function batchTensors(stage: number, rows: number, options: { width?: number; rowsOf?: number; floats?: 'int32' } = {}): NamedTensor[] {
  const width = options.width ?? (stage === 0 ? 784 : 200);
  const floatRows = options.rowsOf ?? rows;
  const floats = (name: string): NamedTensor => ({
    name, shape: [floatRows, width], data: options.floats === 'int32' ? new Int32Array(floatRows * width) : floatsOf(floatRows, width),
  });
  const common = [{ name: 'labels', shape: [rows], data: labelsOf(rows) }, { name: 'indices', shape: [rows], data: indicesOf(rows) }];
  return stage === 0
    ? [...common, { name: 'negativeLabels', shape: [rows], data: labelsOf(rows).map((l) => (l + 1) % 10) }, floats('images')]
    : [...common, floats('negative'), floats('neutral'), floats('positive')];
}

function stagePoison(runId: string, stage: number): Poison[] {
  const header = { kind: 'batch' as const, runId, attempt: 0, stage, epoch: 1, chapter: 1, index: 9000, position: 0, recordScores: false };
  const first = stage === 0 ? 'images' : 'positive';
  const width = stage === 0 ? 784 : 200;
  const batch = (tensors: NamedTensor[], h: Partial<typeof header> = {}): Uint8Array => encodeMessage({ ...header, ...h }, tensors);
  const without = (name: string): NamedTensor[] => batchTensors(stage, 8).filter((t) => t.name !== name);
  const other = 1 - stage;
  return [
    ...frameDamage(batch(batchTensors(stage, 8)), first),
    { name: 'a message of another kind', bytes: encodeMessage({ kind: 'hello', runId, stage, replica: 'intruder' }), reason: /^a hello message does not belong on this queue$/ },
    { name: 'epoch 0', bytes: batch(batchTensors(stage, 8), { epoch: 0 }), reason: /^batch: epoch / },
    { name: 'more rows than the batch', bytes: batch(batchTensors(stage, 65)), reason: /^batch: 65 rows, expected 1 to 64$/ },
    { name: 'no rows', bytes: batch(batchTensors(stage, 0)), reason: /^batch: 0 rows, expected 1 to 64$/ },
    { name: 'the wrong width', bytes: batch(batchTensors(stage, 8, { width: width - 1 })), reason: new RegExp(`^batch: tensor ${first} has shape \\[8,${width - 1}\\], expected \\[8,${width}\\]$`) },
    { name: 'rows that disagree with the labels', bytes: batch(batchTensors(stage, 8, { rowsOf: 7 })), reason: new RegExp(`has shape \\[7,${width}\\], expected \\[8,${width}\\]$`) },
    { name: 'int32 activations', bytes: batch(batchTensors(stage, 8, { floats: 'int32' })), reason: /^batch: tensor (images|positive) is int32, expected float32$/ },
    {
      name: 'labels that are not classes',
      bytes: batch([...without('labels'), { name: 'labels', shape: [8], data: Uint8Array.of(1, 2, 3, 10, 4, 5, 6, 7) }]), reason: /^batch: labels holds 10, not a class$/,
    },
    { name: 'a batch of another run', bytes: batch(batchTensors(stage, 8), { runId: 'other-run' }), reason: new RegExp(`^batch for run other-run stage ${stage} reached run ${runId} stage ${stage}$`) },
    { name: 'a batch of another stage', bytes: batch(batchTensors(stage, 8), { stage: other }), reason: new RegExp(`^batch for run ${runId} stage ${other} reached run ${runId} stage ${stage}$`) },
    { name: 'no tensors', bytes: batch([]), reason: /^batch: carries no tensors$/ },
    { name: 'no labels', bytes: batch(without('labels')), reason: /^batch: tensor labels is missing$/ },
    { name: 'no indices', bytes: batch(without('indices')), reason: /^batch: tensor indices is missing$/ },
    { name: `no ${first}`, bytes: batch(without(first)), reason: new RegExp(`^batch: tensor ${first} is missing$`) },
  ];
}

function eventPoison(runId: string): Poison[] {
  const bias: NamedTensor = { name: 'layer0/bias', shape: [2, 100], data: floatsOf(2, 100) };
  const params = { kind: 'params' as const, runId, stage: 0, replica: 'intruder', round: 999, samples: 0, batches: [] };
  const trained = {
    kind: 'trained' as const, runId, attempt: 0, stage: 1, replica: 'intruder', epoch: 1, index: 9000, report: 'poison', samples: 8, redelivered: false,
    layers: [{ layer: 1, loss: 0.5, goodnessPositive: 1, goodnessNegative: 1 }], stepSeconds: 0.01,
  };
  return [
    ...frameDamage(encodeMessage(params, [bias]), 'layer0/bias'),
    { name: 'a message of another kind', bytes: encodeMessage({ kind: 'batch', runId, attempt: 0, stage: 0, epoch: 1, chapter: 1, index: 0, position: 0, recordScores: false }, batchTensors(0, 8)), reason: /^a batch message does not belong on this queue$/ },
    { name: 'an event of another run', bytes: encodeMessage({ kind: 'hello', runId: 'other-run', stage: 0, replica: 'intruder' }), reason: new RegExp(`^event for run other-run on run ${runId}'s queue$`) },
    { name: 'an event of a stage the run does not have', bytes: encodeMessage({ kind: 'hello', runId, stage: 7, replica: 'intruder' }), reason: /^event from stage 7, the run has 2$/ },
    { name: 'a stage out of range', bytes: encodeMessage({ kind: 'heartbeat', runId, stage: -1, replica: 'intruder' } as never), reason: /^heartbeat: stage / },
    // JSON has no NaN: a NaN loss arrives as null.
    { name: 'a NaN loss', bytes: encodeMessage({ ...trained, layers: [{ ...trained.layers[0]!, loss: Number.NaN }] }), reason: /^trained: layers\.0\.loss / },
    { name: 'parameters without tensors', bytes: encodeMessage(params), reason: /^params: carries no tensors$/ },
    // Checked on arrival, whether or not a round is waiting for them.
    { name: 'parameters that do not fit the stage', bytes: encodeMessage(params, [bias]), reason: /^params: tensor layer0\/weights is missing$/ },
  ];
}

function controlPoison(): Poison[] {
  const request = { kind: 'control' as const, id: 'poison', from: 'intruder', deadline: Date.now() + 3_600_000, op: 'get' as const, runId: 'some-run' };
  return [
    ...frameDamage(encodeMessage(request, [{ name: 'extra', shape: [2, 4], data: floatsOf(2, 4) }]), 'extra'),
    { name: 'a message of another kind', bytes: encodeMessage({ kind: 'hello', runId: 'some-run', stage: 0, replica: 'intruder' }), reason: /^a hello message does not belong on this queue$/ },
    { name: 'an operation that is not one', bytes: encodeMessage({ ...request, op: 'explode' } as never), reason: /^control: op must be one of create, list, get, stop, model, history$/ },
    { name: 'a run id that is a path', bytes: encodeMessage({ ...request, runId: '../../etc/passwd' }), reason: /^control: runId must match pattern / },
    { name: 'a list of no runs', bytes: encodeMessage({ ...request, op: 'list', limit: 0 } as never), reason: /^control: limit must be >= 1$/ },
  ];
}

function requestPoison(): Poison[] {
  const request = { kind: 'run-request' as const, runId: 'poison-request', spec: { ...smallSpec({}), layers: [200, 200] } };
  return [
    ...frameDamage(encodeMessage(request, [{ name: 'extra', shape: [2, 4], data: floatsOf(2, 4) }]), 'extra'),
    { name: 'a message of another kind', bytes: encodeMessage({ kind: 'hello', runId: 'some-run', stage: 0, replica: 'intruder' }), reason: /^a hello message does not belong on this queue$/ },
    { name: 'a spec field out of range', bytes: encodeMessage({ ...request, spec: { ...request.spec, layers: [0] } }), reason: /^run-request: spec\.layers\.0 / },
    { name: 'a spec whose chapters do not divide its epochs', bytes: encodeMessage({ ...request, spec: { ...request.spec, epochs: 3, chapters: 2 } }), reason: /chapters: must divide epochs \(3\), got 2/ },
    { name: 'a run id that is a path', bytes: encodeMessage({ ...request, runId: '../../etc/passwd' }), reason: /^run-request: runId / },
  ];
}

describe('decoding refuses whatever is not a valid message, with a MessageError', () => {
  const isRefusal = (bytes: Uint8Array): boolean => {
    try {
      decodeMessage(bytes);
      return true;
    } catch (error) {
      if (error instanceof MessageError) return true;
      throw error;
    }
  };
  const valid = encodeMessage({ kind: 'batch', runId: 'fuzz', attempt: 0, stage: 0, epoch: 1, chapter: 1, index: 0, position: 0, recordScores: false }, batchTensors(0, 4));

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), isRefusal), { seed: 1, numRuns: 2000 });
  });

  it('a valid frame with bytes changed, cut, or added', () => {
    const damaged = fc.oneof(
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => { const b = valid.slice(); b[at] = value; return b; }),
      fc.nat(valid.length).map((at) => valid.slice(0, at)),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => { const b = new Uint8Array(valid.length + extra.length); b.set(valid); b.set(extra, valid.length); return b; }),
    );
    fc.assert(fc.property(damaged, isRefusal), { seed: 2, numRuns: 3000 });
  });
});

describe('poison messages on the queues of a live run', () => {
  it('are dead-lettered with their reason and counted; the workers train on and the run is exact', { timeout: 600_000 }, async (t) => {
    const vhost = await createScratchVhost('pff-poison');
    const runDir = mkdtempSync(join(tmpdir(), 'pff-poison-'));
    const workers: RoleProcess[] = [];
    let transport: Transport | null = null;
    const lines: string[] = [];
    const scheduler = createSchedulerService({
      config: loadSchedulerConfig({ PFF_BROKER_URL: vhost.url, PFF_PORT: '0', PFF_BACKEND: 'wasm', PFF_RUN_DIR: runDir }),
      log: (line) => lines.push(line),
      processMetrics: false,
    });
    t.after(async () => {
      await scheduler.close();
      for (const w of workers) w.child.kill('SIGKILL');
      await transport?.close();
      await vhost.delete();
      rmSync(runDir, { recursive: true, force: true });
    });
    for (const stage of [0, 1]) {
      workers.push(await startRoleProcess(['worker', '--stage', String(stage), '--port', '0', '--replica', `poison-${stage}`], { PFF_BROKER_URL: vhost.url, PFF_BACKEND: 'wasm' }, /ready; probes on :(\d+)/));
    }
    await scheduler.start();
    transport = await connectBroker({ url: vhost.url });
    const spec = smallSpec({ variant: 'single-layer', workers: 2 });
    const runId = uniqueRunId('poison');
    await transport.send(RUN_REQUESTS_QUEUE, encodeMessage({ kind: 'run-request', runId, spec: { ...spec, layers: [...spec.layers] } }));
    // The run is live once both workers consume their stage's queue.
    await waitFor(() => scheduler.store.has(runId) && scheduler.store.get(runId).status === 'RUNNING', 60_000, 'the run to start');
    await waitFor(async () => {
      for (const stage of [0, 1]) if (!transport || (await transport.queueStats(stageQueue(runId, stage)).catch(() => ({ consumers: 0 }))).consumers === 0) return false;
      return true;
    }, 120_000, 'both workers consuming');

    const targets: Array<{ queue: string; poison: Poison[]; inRun: boolean }> = [
      { queue: stageQueue(runId, 0), poison: stagePoison(runId, 0), inRun: true },
      { queue: stageQueue(runId, 1), poison: stagePoison(runId, 1), inRun: true },
      { queue: eventsQueue(runId), poison: eventPoison(runId), inRun: true },
      { queue: CONTROL_QUEUE, poison: controlPoison(), inRun: false },
      { queue: RUN_REQUESTS_QUEUE, poison: requestPoison(), inRun: false },
    ];
    for (const { queue, poison } of targets) for (const p of poison) await transport.send(queue, p.bytes, { [CASE_HEADER]: p.name });
    const deadLetters = new Map<string, Map<string, string>>();
    await Promise.all(targets.map(async ({ queue, poison, inRun }) => {
      const held = await collect(transport!, deadLetterQueueOf(queue), poison.length, 60_000);
      deadLetters.set(queue, new Map(held.map((d) => [String(d.headers[CASE_HEADER]), String(d.headers[REASON_HEADER])])));
      // The run's dead letters stay for its summary to count; the shared queues' are done with.
      for (const d of held) if (inRun) d.requeue(); else d.ack();
    }));
    await scheduler.settled(runId);
    const record = scheduler.store.get(runId);
    const workerLogs = workers.map((w) => w.log()).join('\n');

    for (const { queue, poison } of targets) {
      await t.test(`${queue.replace(runId, '<run>')}: each of ${poison.length} bad messages dead-lettered with its reason`, () => {
        const got = deadLetters.get(queue)!;
        for (const p of poison) t.diagnostic(`${queue.replace(runId, '<run>')} | ${p.name} | ${got.get(p.name) ?? '(not dead-lettered)'}`);
        for (const p of poison) assert.match(got.get(p.name) ?? '(not dead-lettered)', p.reason, `${p.name}`);
        assert.equal(got.size, poison.length, 'nothing else was dead-lettered');
      });
    }
    await t.test('each dead letter is counted by the role that refused it', async () => {
      const count = (text: string, queue: string): number => {
        const line = text.split('\n').find((l) => l.startsWith('pff_messages_total{') && l.includes(`queue="${queue}"`) && l.includes('outcome="dead_lettered"'));
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      };
      for (const [stage, worker] of workers.entries()) {
        const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
        assert.equal(count(metrics, 'stage'), targets[stage]!.poison.length, `worker of stage ${stage}`);
      }
      const scheduled = await scheduler.metrics.metrics();
      assert.equal(count(scheduled, 'events'), targets[2]!.poison.length, 'scheduler: events');
      assert.equal(count(scheduled, 'control'), targets[3]!.poison.length, 'scheduler: control');
      assert.equal(count(scheduled, 'requests'), targets[4]!.poison.length, 'scheduler: run requests');
    });
    await t.test('the workers trained on and the run is exact', () => {
      assert.equal(record.status, 'FINISHED', `${record.error ?? ''}\n${lines.join('\n')}`);
      for (const w of workers) assert.equal(w.child.exitCode, null, 'the worker process is still running');
      assertExactCounts(record.summary!, spec, 47);
      const runDeadLetters = targets.filter((x) => x.inRun).reduce((n, x) => n + x.poison.length, 0);
      assert.equal(record.summary!.pipeline!.deadLettered, runDeadLetters, 'the summary counts the run\'s dead letters');
      assert.ok(record.summary!.accuracy > 0.5, `test accuracy ${record.summary!.accuracy}`);
      assert.match(workerLogs, /stage 0: dead-lettered a message: batch: 65 rows, expected 1 to 64/, 'a worker says what it refused');
    });
  });
});

/**
 * Takes up to `count` messages from `queue` (holding them unsettled) within `ms`; fewer
 * if the queue is deleted meanwhile (a run that ended takes its queues with it).
 */
async function collect(transport: Transport, queue: string, count: number, ms: number): Promise<Delivery[]> {
  const held: Delivery[] = [];
  for (const deadline = Date.now() + ms; held.length < count && Date.now() < deadline;) {
    const delivery = await transport.get(queue).catch(() => 'gone' as const);
    if (delivery === 'gone') break;
    if (delivery) held.push(delivery);
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return held;
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
