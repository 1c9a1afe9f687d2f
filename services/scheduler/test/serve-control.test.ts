// The scheduler's side of the control plane on the embedded broker: answers, refusals,
// malformed requests dead-lettered, requests whose caller gave up dropped unanswered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONTROL_QUEUE, CONTROL_REPLIES_TOPIC, decodeMessage, encodeFrame, encodeMessage, parseRunSpec, type ControlReply, type RunSpec } from '@pff/contracts';
import { createEmbeddedTransport, deadLetterQueueOf, EmbeddedBroker, REASON_HEADER } from '@pff/transport';
import { answer, type RunControl } from '../src/control/answer.js';
import { serveControl } from '../src/control/serve-control.js';
import { RunStore } from '../src/run-store.js';

function control(dir: string): RunControl & { stopped: string[] } {
  const store = new RunStore(dir);
  const stopped: string[] = [];
  return {
    store,
    stopped,
    create(runId: string, name: string | undefined, spec: RunSpec) {
      if (store.has(runId)) return false;
      const createdAt = new Date(Date.parse('2026-01-01T00:00:00Z') + store.list().length * 1000).toISOString();
      store.save({ runId, ...(name ? { name } : {}), spec: { ...spec, layers: [...spec.layers] }, status: 'SCHEDULED', attempt: 0, createdAt, chaptersDone: 0, history: [], trainSeconds: 0, evalSeconds: 0, layers: [] });
      return true;
    },
    async stop(runId: string) {
      stopped.push(runId);
      store.save({ ...store.get(runId), status: 'KILLED' });
      await Promise.resolve();
    },
    live: () => undefined,
  };
}

const envelope = { kind: 'control' as const, from: 'test', deadline: Date.now() + 60_000 };

test('answers create, get, list (paged), stop, history and model requests with HTTP statuses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pff-control-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = control(dir);
  const spec = { ...parseRunSpec({ layers: [10], epochs: 2 }), layers: [10] };
  for (const runId of ['a', 'b', 'c']) assert.equal((await answer(c, { ...envelope, id: runId, op: 'create', runId, spec })).status, 201, `create ${runId}`);
  assert.equal((await answer(c, { ...envelope, id: 'dup', op: 'create', runId: 'a', spec })).status, 409, 'duplicate id');
  const invalid = await answer(c, { ...envelope, id: 'bad', op: 'create', runId: 'd', spec: { ...spec, epochs: 3, chapters: 2 } });
  assert.equal(invalid.status, 400, 'a spec the schema allows but the rules do not');
  const page1 = (await answer(c, { ...envelope, id: 'l1', op: 'list', limit: 2 })).body as { runs: Array<{ id: string }>; next?: { createdAt: string; runId: string } };
  assert.deepEqual(page1.runs.map((r) => r.id), ['c', 'b'], 'newest first');
  assert.ok(page1.next, 'more to come');
  const page2 = (await answer(c, { ...envelope, id: 'l2', op: 'list', limit: 2, after: page1.next })).body as { runs: Array<{ id: string }>; next?: unknown };
  assert.deepEqual(page2.runs.map((r) => r.id), ['a'], 'the rest');
  assert.equal(page2.next, undefined, 'last page');
  assert.equal((await answer(c, { ...envelope, id: 'g', op: 'get', runId: 'zz' })).status, 404, 'unknown run');
  assert.equal((await answer(c, { ...envelope, id: 'm', op: 'model', runId: 'a' })).status, 409, 'no model before FINISHED');
  assert.equal((await answer(c, { ...envelope, id: 'h', op: 'history', runId: 'a', key: 'nope' })).status, 404, 'unknown metric');
  assert.deepEqual((await answer(c, { ...envelope, id: 'h2', op: 'history', runId: 'a', key: 'loss' })).body, { key: 'loss', points: [] }, 'no points yet');
  const stopped = await answer(c, { ...envelope, id: 's', op: 'stop', runId: 'b' });
  assert.equal((stopped.body as { status: string }).status, 'KILLED', 'stop answers with the run as it is now');
  assert.deepEqual(c.stopped, ['b'], 'stop reached the service');
  const killed = (await answer(c, { ...envelope, id: 'l3', op: 'list', limit: 10, status: 'KILLED' })).body as { runs: Array<{ id: string }> };
  assert.deepEqual(killed.runs.map((r) => r.id), ['b'], 'status filter');
});

test('over the broker: replies to the asker, dead-letters malformed requests, drops those past their deadline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pff-control-'));
  const transport = createEmbeddedTransport(new EmbeddedBroker());
  const lines: string[] = [];
  const subscription = await serveControl({ transport, control: control(dir), log: (l) => lines.push(l) });
  const replies: ControlReply[] = [];
  const listening = await transport.subscribe(CONTROL_REPLIES_TOPIC, (m) => replies.push(decodeMessage(m.body, ['control-reply']).message));
  t.after(async () => {
    await listening.cancel();
    await subscription.cancel();
    await transport.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 100 && (await transport.queueStats(CONTROL_QUEUE)).ready + (await transport.queueStats(CONTROL_QUEUE)).unacked > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
  };
  await transport.send(CONTROL_QUEUE, encodeMessage({ ...envelope, id: 'q1', op: 'get', runId: 'missing' }));
  await settle();
  assert.deepEqual(replies.map((r) => [r.id, r.to, r.status]), [['q1', 'test', 404]], 'a reply for the asker');

  await transport.send(CONTROL_QUEUE, encodeMessage({ ...envelope, id: 'late', deadline: Date.now() - 1, op: 'list', limit: 5 }));
  await transport.send(CONTROL_QUEUE, encodeFrame({ kind: 'control', id: 'x', from: 'test', deadline: 0, op: 'explode' }, []));
  await transport.send(CONTROL_QUEUE, new Uint8Array([1, 2, 3]));
  await settle();
  assert.equal(replies.length, 1, 'no reply to a request past its deadline, nor to malformed ones');
  assert.ok(lines.some((l) => /dropped a list request its caller gave up on/.test(l)), 'the dropped request is logged');
  const dead = deadLetterQueueOf(CONTROL_QUEUE);
  const reasons: string[] = [];
  for (let d = await transport.get(dead); d; d = await transport.get(dead)) {
    reasons.push(String(d.headers[REASON_HEADER]));
    d.ack();
  }
  assert.equal(reasons.length, 2, `both malformed requests dead-lettered: ${reasons.join(' | ')}`);
  assert.equal((await transport.queueStats(CONTROL_QUEUE)).ready, 0, 'nothing left in the control queue');
});
