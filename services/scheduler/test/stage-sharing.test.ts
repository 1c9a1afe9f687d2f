// Commit and averaging rounds of a stage on the embedded broker, with the test playing
// the replicas: what the scheduler keeps, what it broadcasts, what it tells newcomers.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '@pff/backend';
import { decodeMessage, encodeMessage, parseRunSpec, stageTopic, type MessageOf, type NamedTensor } from '@pff/contracts';
import { FFNetwork } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { networkConfigOf } from '@pff/trainer';
import { createEmbeddedTransport, EmbeddedBroker, type Transport } from '@pff/transport';
import { Membership } from '../src/membership.js';
import type { PipelinePlan } from '../src/plan.js';
import { StageSharing } from '../src/stage-sharing.js';
import { stageWeights } from '../src/stage-weights.js';

before(async () => {
  await initBackend('wasm');
});

type StageMessage = MessageOf<'share' | 'adopt' | 'committed'>;

interface Harness {
  sharing: StageSharing;
  network: FFNetwork;
  membership: Membership;
  /** Every broadcast on the stage's topic, in order. */
  heard: StageMessage[];
  /** Answers share requests as `replica`, with every weight set to `value`. */
  answer(replica: string, value: number, batches: string[], optimizer?: NamedTensor[]): void;
  /** The replica answers no more (it died). */
  silence(replica: string): void;
  transport: Transport;
}

async function harness(replicas: number, clock = () => performance.now()): Promise<Harness> {
  const spec = parseRunSpec({ layers: [4], epochs: 1, trainLimit: 100 });
  const network = new FFNetwork(networkConfigOf(spec, 6, 255), createRng(1));
  const plan: PipelinePlan = { stages: [{ first: 0, last: 0 }], replicas: [replicas], shards: 0 };
  const transport = createEmbeddedTransport(new EmbeddedBroker());
  const membership = new Membership(clock, 60_000);
  const sharing = new StageSharing({
    transport, runId: 'r', plan, network, membership, shareEvery: 0, commitEvery: 2, commitMs: 1000, timeoutMs: 5000, log: () => undefined, clock,
  });
  const heard: StageMessage[] = [];
  const answers = new Map<string, (round: number) => void>();
  await transport.subscribe(stageTopic('r', 0), (m) => {
    const message = decodeMessage(m.body, ['share', 'adopt', 'committed']).message;
    heard.push(message);
    if (message.kind === 'share') for (const reply of answers.values()) reply(message.round);
  });
  const answer = (replica: string, value: number, batches: string[], optimizer: NamedTensor[] = []): void => {
    membership.seen(0, replica);
    answers.set(replica, (round) => {
      const tensors = stageWeights(network, plan.stages[0]!).map(([name, v]) => ({ name, shape: v.shape, data: new Float32Array(v.size).fill(value) }));
      const params = encodeMessage({ kind: 'params', runId: 'r', stage: 0, replica, round, samples: 10, batches }, [...tensors, ...optimizer]);
      const decoded = decodeMessage(params, ['params']);
      sharing.onParams(decoded.message, decoded);
    });
  };
  return { sharing, network, membership, heard, answer, silence: (replica) => void answers.delete(replica), transport };
}

/** The embedded broker delivers broadcasts in a later macrotask. */
const delivered = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

/** The first value of each of the stage's weights (its layer's and the head's). */
const weightsOf = (h: Harness): number[] => stageWeights(h.network, { first: 0, last: 0 }).map(([, v]) => (v.dataSync() as Float32Array)[0]!);
const all = (h: Harness, value: number): number[] => weightsOf(h).map(() => value);

test('a stage planned with one replica: every commitEvery batches its parameters become the shared ones, with its optimizer state', async (t) => {
  const h = await harness(1);
  t.after(() => h.transport.close());
  const steps: NamedTensor = { name: 'layer0/weights#steps', shape: [1], data: Float32Array.of(7) };
  h.answer('a', 0.5, ['1:0', '1:1'], [steps]);
  h.sharing.onTrained(0);
  assert.equal(h.heard.length, 0, 'one batch is not enough for a round');
  h.sharing.onTrained(0);
  await h.sharing.share(0);
  await delivered();
  const committed = h.heard.filter((m) => m.kind === 'committed');
  assert.deepEqual(committed.map((m) => [m.replicas, m.averaged]), [[['a'], true], [['a'], true]], 'the commit round and the chapter-end round both committed a, averaged');
  assert.ok(!h.heard.some((m) => m.kind === 'adopt'), 'a lone answer is not sent back: the replica has it');
  assert.deepEqual(weightsOf(h), all(h, 0.5), 'the shared parameters are the replica\'s');
  assert.deepEqual(h.sharing.committedKeys(0, () => true).sort(), ['1:0', '1:1'], 'its batches are committed');
  assert.deepEqual(h.sharing.optimizerOf(0).map((o) => o.name), ['layer0/weights#steps'], 'a newcomer gets the optimizer state too');
});

test('a stage with several replicas: commits checkpoint each one; a departed replica\'s checkpoint joins the next average', async (t) => {
  let now = 0;
  const h = await harness(2, () => now);
  t.after(() => h.transport.close());
  h.answer('a', 1, ['1:0']);
  h.answer('b', 3, ['1:1']);
  const before = weightsOf(h);
  await h.sharing.share(0, 'checkpoint');
  await delivered();
  assert.deepEqual(h.heard.at(-1), { kind: 'committed', runId: 'r', stage: 0, round: 1, replicas: ['a', 'b'], averaged: false });
  assert.deepEqual(weightsOf(h), before, 'a checkpoint round leaves the shared parameters alone');
  // a dies: silent for longer than liveMs; b answers the chapter-end round alone.
  h.silence('a');
  now = 30_000;
  h.membership.seen(0, 'b');
  now = 61_000;
  h.membership.seen(0, 'b');
  assert.deepEqual(h.membership.live(0), ['b']);
  h.answer('b', 5, ['1:2']);
  await h.sharing.share(0);
  await delivered();
  // Equal samples (10 each): the mean of a's checkpoint (1) and b's answer (5).
  assert.deepEqual(weightsOf(h), all(h, 3), 'the average keeps what the departed replica committed');
  assert.equal(h.heard.filter((m) => m.kind === 'adopt').length, 1, 'the replicas are sent the average');
  assert.deepEqual(h.sharing.optimizerOf(0), [], 'an average of several has no optimizer state to hand on');
  assert.deepEqual(h.sharing.committedKeys(0, () => true).sort(), ['1:0', '1:1', '1:2']);
  assert.deepEqual(h.sharing.committedKeys(0, (epoch) => epoch > 1), [], 'newcomers are told the keys of the epochs asked for');
});

test('batches waiting for a commit get one after commitMs even when the count is not reached', async (t) => {
  let now = 0;
  const h = await harness(1, () => now);
  t.after(() => h.transport.close());
  h.answer('a', 2, ['1:0']);
  h.sharing.onTrained(0);
  h.sharing.tick();
  await delivered();
  assert.equal(h.heard.length, 0, 'not yet: the last round was less than commitMs ago');
  now = 1500;
  h.sharing.tick();
  await delivered();
  assert.ok(h.heard.some((m) => m.kind === 'share'), 'the tick started a round');
  await h.sharing.share(0);
  await delivered();
  assert.ok(h.heard.filter((m) => m.kind === 'committed').length >= 2, 'the tick started a commit round');
  assert.deepEqual(weightsOf(h), all(h, 2));
});
