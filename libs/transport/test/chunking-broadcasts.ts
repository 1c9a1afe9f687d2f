/** withChunking on broadcasts: every subscriber rebuilds every large broadcast, by message id, within bounds. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { Broadcast, Transport } from '../src/index.js';
import { BYTES_HEADER, CHUNK_OF_HEADER, PART_HEADER, PARTS_HEADER } from '../src/chunking/reserved-headers.js';
import { digest, text, textOf } from './conformance/bytes.js';
import { eventually, uniqueName, type Settings } from './conformance/harness.js';
import { Inbox } from './conformance/inbox.js';
import { bodyOf, chunkingScope, reservedIn } from './chunking-helpers.js';

const LARGE = 1024 * 1024; // 16 chunks of 64 KiB

function chunkHeaders(id: string, index: number, count: number, bytes: number): Record<string, string | number> {
  return { [CHUNK_OF_HEADER]: id, [PART_HEADER]: index, [PARTS_HEADER]: count, [BYTES_HEADER]: bytes };
}

export function chunkingBroadcastTests(makeInner: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('large broadcasts from two senders at once reach every subscriber whole, each once', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [a, b, listener] = [await scope.pair(), await scope.pair(), await scope.pair()];
    const topic = uniqueName('topic');
    const inboxes = [new Inbox<Broadcast>(settings.waitMs), new Inbox<Broadcast>(settings.waitMs)];
    for (const inbox of inboxes) await listener.chunked.subscribe(topic, inbox.put);
    await Promise.all([a.chunked.broadcast(topic, bodyOf(LARGE, 1), { 'x-test': 'from a' }), b.chunked.broadcast(topic, bodyOf(LARGE + 7, 2), { 'x-test': 'from b' })]);
    for (const [n, inbox] of inboxes.entries()) {
      const got = [await inbox.next(`subscriber ${n}: the first`), await inbox.next(`subscriber ${n}: the second`)];
      const bySender = new Map(got.map((message) => [message.headers['x-test'], message]));
      assert.equal(digest(bySender.get('from a')?.body ?? new Uint8Array(0)), digest(bodyOf(LARGE, 1)), `subscriber ${n}: a's broadcast whole`);
      assert.equal(digest(bySender.get('from b')?.body ?? new Uint8Array(0)), digest(bodyOf(LARGE + 7, 2)), `subscriber ${n}: b's broadcast whole`);
      for (const message of got) assert.deepEqual(reservedIn(message.headers), [], `subscriber ${n}: no chunking headers`);
      await inbox.quiet(settings.quietMs, `subscriber ${n}: each broadcast once`);
    }
  });

  it('chunks of two broadcasts interleaved and out of order are sorted out by message id', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [sender, listener] = [await scope.pair(), await scope.pair()];
    const topic = uniqueName('topic');
    const inbox = new Inbox<Broadcast>(settings.waitMs);
    await listener.chunked.subscribe(topic, inbox.put);
    const [first, second] = [randomUUID(), randomUUID()];
    const order: [id: string, index: number, body: string][] = [[first, 2, 'ing'], [second, 1, 'pe'], [first, 0, 'fir'], [second, 0, 'ho'], [first, 1, 'st'], [second, 2, '!']];
    for (const [id, index, body] of order) await sender.inner.broadcast(topic, text(body), { ...chunkHeaders(id, index, 3, id === first ? 8 : 5), 'x-test': id });
    const got = [await inbox.next('the first completed'), await inbox.next('the second completed')];
    assert.deepEqual(got.map((message) => textOf(message.body)), ['firsting', 'hope!'], 'each rebuilt in order of its indexes');
    assert.deepEqual(got.map((message) => message.headers['x-test']), [first, second], 'each with its own headers');
  });

  it('incomplete broadcasts are dropped when too many are pending and after the timeout; complete ones still arrive', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const lines: string[] = [];
    const [sender, listener] = [await scope.pair(), await scope.pair({ maxBytes: 64 * 1024, maxPartialBroadcasts: 2, broadcastTimeoutMs: 200, log: (line) => lines.push(line) })];
    const topic = uniqueName('topic');
    const inbox = new Inbox<Broadcast>(settings.waitMs);
    await listener.chunked.subscribe(topic, inbox.put);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await sender.inner.broadcast(topic, text('half'), chunkHeaders(id, 0, 2, 8));
    await eventually(() => lines.some((line) => line.includes(ids[0] ?? '') && line.includes('more than 2 broadcasts')), settings.waitMs, 'the oldest is dropped for the third');
    await eventually(() => lines.filter((line) => line.includes('incomplete after 200 ms')).length === 2, settings.waitMs, 'the other two time out');
    await sender.inner.broadcast(topic, text('late'), chunkHeaders(ids[1] ?? '', 1, 2, 8));
    await sender.chunked.broadcast(topic, bodyOf(LARGE, 3));
    const whole = await inbox.next('a complete broadcast after the drops');
    assert.equal(digest(whole.body), digest(bodyOf(LARGE, 3)), 'the complete one arrives whole');
    await inbox.quiet(settings.quietMs, 'no dropped broadcast is ever delivered');
  });
}
