/** withChunking on work queues: large messages whole, settled as one, no side queue left behind. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deadLetterQueueOf, ORIGIN_HEADER, REASON_HEADER, withChunking, type Delivery, type Transport } from '../src/index.js';
import { digest } from './conformance/bytes.js';
import { eventually, eventuallyValue, within, type Settings } from './conformance/harness.js';
import { Inbox } from './conformance/inbox.js';
import { bodyOf, chunkingScope, queueExists, reservedIn, sideQueuesGone, SMALL } from './chunking-helpers.js';

const MiB = 1024 * 1024;
const LARGE = 300 * 1024; // five parts of SMALL.maxBytes

export function chunkingWorkQueueTests(makeInner: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('a body of exactly maxBytes passes untouched; one byte more goes in two parts', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const { inner, chunked, sideQueues } = await scope.pair();
    const queue = await scope.queue(chunked);
    const limit = SMALL.maxBytes ?? 0;
    await chunked.send(queue, bodyOf(limit, 1), { 'x-test': 'plain' });
    assert.deepEqual(sideQueues, [], 'no side queue for a body of maxBytes');
    const raw = await inner.get(queue);
    assert.ok(raw, 'the plain message is in the queue');
    assert.equal(digest(raw.body), digest(bodyOf(limit, 1)), 'stored as it was sent');
    assert.deepEqual(raw.headers, { 'x-test': 'plain' }, 'with only the sender\'s headers');
    raw.ack();
    await chunked.send(queue, bodyOf(limit + 1, 2));
    assert.equal(sideQueues.length, 1, 'one side queue for a body of maxBytes + 1');
    const pointer = await inner.get(queue);
    assert.ok(pointer, 'the pointer is in the queue');
    assert.equal(pointer.body.byteLength, 0, 'a pointer has no body');
    assert.equal((await inner.queueStats(sideQueues[0] ?? '')).ready, 2, 'the side queue holds two parts');
    pointer.requeue();
    const whole = await eventuallyValue(() => chunked.get(queue), settings.waitMs, 'the message through get');
    assert.equal(digest(whole.body), digest(bodyOf(limit + 1, 2)), 'rebuilt whole');
    whole.ack();
    await sideQueuesGone(inner, sideQueues, settings);
  });

  it('a 20 MiB message round-trips with the default maxBytes, stored as messages of 4 MiB (RabbitMQ 4 refuses more than 16 MiB by default)', { timeout: 120_000 }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const { inner, chunked, sideQueues } = await scope.pair({});
    const queue = await scope.queue(chunked);
    const body = bodyOf(20 * MiB, 3);
    await within(chunked.send(queue, body, { 'x-test': 'large', 'x-test-n': 20 }), 60_000, 'sending 20 MiB');
    assert.equal(sideQueues.length, 1, 'sent in parts');
    const parts = [];
    for (let part = await inner.get(sideQueues[0] ?? ''); part; part = await inner.get(sideQueues[0] ?? '')) parts.push(part);
    assert.deepEqual(parts.map((part) => part.body.byteLength), [4, 4, 4, 4, 4].map((n) => n * MiB), 'stored as five messages of 4 MiB');
    for (const part of parts) part.requeue();
    const inbox = new Inbox<Delivery>(60_000);
    await chunked.consume(queue, inbox.put, { prefetch: 1 });
    const delivery = await inbox.next('the 20 MiB message');
    assert.equal(digest(delivery.body), digest(body), 'the body arrives whole');
    assert.deepEqual(delivery.headers, { 'x-test': 'large', 'x-test-n': 20 }, 'the sender\'s headers, and no chunking headers');
    assert.equal(delivery.redelivered, false, 'a first delivery');
    delivery.ack();
    await sideQueuesGone(inner, sideQueues, settings);
    await eventually(async () => { const s = await inner.queueStats(queue); return s.ready === 0 && s.unacked === 0; }, settings.waitMs, 'the queue is empty');
  });

  it('competing consumers each get whole messages, each once', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [a, b] = [await scope.pair(), await scope.pair()];
    const queue = await scope.queue(a.chunked);
    const count = 8;
    const seen = new Map<number, string>();
    const wrong: string[] = [];
    const handlerFor = (who: string) => (delivery: Delivery): void => {
      const n = Number(delivery.headers['x-test-n']);
      if (seen.has(n)) wrong.push(`message ${n} delivered twice`);
      if (digest(delivery.body) !== digest(bodyOf(LARGE + n, n))) wrong.push(`message ${n} arrived as ${digest(delivery.body)}`);
      seen.set(n, who);
      setTimeout(() => delivery.ack(), 20);
    };
    await a.chunked.consume(queue, handlerFor('a'), { prefetch: 1 });
    await b.chunked.consume(queue, handlerFor('b'), { prefetch: 1 });
    for (let n = 0; n < count; n++) await a.chunked.send(queue, bodyOf(LARGE + n, n), { 'x-test-n': n });
    await eventually(() => seen.size === count, settings.waitMs, `all ${count} messages consumed (have ${seen.size})`);
    assert.deepEqual(wrong, [], 'every message whole and once');
    const byA = [...seen.values()].filter((who) => who === 'a').length;
    assert.ok(byA > 0 && byA < count, `both consumers get a share (a had ${byA} of ${count})`);
    await sideQueuesGone(a.inner, a.sideQueues, settings);
  });

  it('requeue: the whole message comes back redelivered, to the consumer or to a get elsewhere', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [mine, other] = [await scope.pair(), await scope.pair()];
    const queue = await scope.queue(mine.chunked);
    const body = bodyOf(LARGE, 4);
    const inbox = new Inbox<Delivery>(settings.waitMs);
    const subscription = await mine.chunked.consume(queue, inbox.put, { prefetch: 1 });
    await mine.chunked.send(queue, body, { 'x-test': 'kept' });
    const first = await inbox.next('the first delivery');
    assert.equal(first.redelivered, false, 'the first delivery is not redelivered');
    first.requeue();
    const second = await inbox.next('the requeued message');
    assert.equal(second.redelivered, true, 'a requeued chunked message comes back with redelivered = true');
    assert.equal(digest(second.body), digest(body), 'whole again');
    assert.deepEqual(second.headers, { 'x-test': 'kept' }, 'with its headers');
    await subscription.cancel();
    second.requeue();
    const third = await eventuallyValue(() => other.chunked.get(queue), settings.waitMs, 'the message through get on another client');
    assert.equal(third.redelivered, true, 'redelivered = true');
    assert.equal(digest(third.body), digest(body), 'whole on the other client');
    third.ack();
    await sideQueuesGone(mine.inner, mine.sideQueues, settings);
  });

  it('closing a client that holds a chunked delivery redelivers the whole message to another', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [dying, survivor] = [await scope.pair(), await scope.pair()];
    const queue = await scope.queue(dying.chunked);
    const body = bodyOf(LARGE, 5);
    const held = new Inbox<Delivery>(settings.waitMs);
    await dying.chunked.consume(queue, held.put, { prefetch: 1 });
    await dying.chunked.send(queue, body);
    const stranded = await held.next('the delivery the dying client holds');
    assert.equal(digest(stranded.body), digest(body), 'the dying client had it whole');
    const rescued = new Inbox<Delivery>(settings.waitMs);
    await survivor.chunked.consume(queue, rescued.put, { prefetch: 1 });
    await rescued.quiet(settings.quietMs, 'nothing for the survivor while the other holds it');
    await within(dying.chunked.close(), settings.waitMs, 'close resolves');
    const again = await rescued.next('the redelivery after close');
    assert.equal(again.redelivered, true, 'redelivered = true');
    assert.equal(digest(again.body), digest(body), 'whole, parts and all');
    again.ack();
    await sideQueuesGone(survivor.inner, dying.sideQueues, settings);
  });

  it('deadLetter keeps the parts: get on the dead-letter queue rebuilds the message with reason and origin; its ack deletes the side queue', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const { inner, chunked, sideQueues } = await scope.pair();
    const queue = await scope.queue(chunked);
    const body = bodyOf(LARGE, 6);
    await chunked.send(queue, body, { 'x-test': 'kept' });
    const delivery = await chunked.get(queue);
    assert.ok(delivery, 'get returns the message');
    await within(delivery.deadLetter('schema mismatch'), settings.waitMs, 'deadLetter resolves');
    assert.equal(await queueExists(inner, sideQueues[0] ?? ''), true, 'the side queue stays while its pointer is dead-lettered');
    const dead = await eventuallyValue(() => chunked.get(deadLetterQueueOf(queue)), settings.waitMs, 'the dead letter');
    assert.equal(digest(dead.body), digest(body), 'the dead letter is the whole message');
    assert.equal(dead.headers[REASON_HEADER], 'schema mismatch', 'with the reason');
    assert.equal(dead.headers[ORIGIN_HEADER], queue, 'with the origin');
    assert.equal(dead.headers['x-test'], 'kept', 'with the sender\'s headers');
    assert.deepEqual(reservedIn(dead.headers), [], 'without chunking headers');
    dead.ack();
    await sideQueuesGone(inner, sideQueues, settings);
  });

  it('a handler that throws on a chunked message has it dead-lettered whole, with the error message', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const { inner, chunked, sideQueues } = await scope.pair();
    const queue = await scope.queue(chunked);
    await chunked.consume(queue, () => Promise.reject(new Error('cannot handle this')), { prefetch: 1 });
    await chunked.send(queue, bodyOf(LARGE, 7));
    const dead = await eventuallyValue(() => chunked.get(deadLetterQueueOf(queue)), settings.waitMs, 'the dead letter');
    assert.equal(dead.headers[REASON_HEADER], 'cannot handle this', 'the reason is the error message');
    assert.equal(digest(dead.body), digest(bodyOf(LARGE, 7)), 'dead-lettered whole');
    dead.ack();
    await sideQueuesGone(inner, sideQueues, settings);
  });

  it('deleteQueue deletes the side queues of the pointers in the queue and in its dead-letter queue', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const { inner, chunked, sideQueues } = await scope.pair();
    const queue = await scope.queue(chunked);
    await chunked.send(queue, bodyOf(LARGE, 8));
    await chunked.send(queue, bodyOf(LARGE, 9));
    const first = await chunked.get(queue);
    assert.ok(first, 'get returns the first message');
    await first.deadLetter('to the dlq');
    assert.equal(sideQueues.length, 2, 'two side queues');
    for (const side of sideQueues) assert.equal(await queueExists(inner, side), true, `${side} exists before deleteQueue`);
    await chunked.deleteQueue(queue);
    for (const side of sideQueues) assert.equal(await queueExists(inner, side), false, `${side} is deleted with the queue`);
    assert.equal(await queueExists(inner, queue), false, 'the queue is deleted');
  });

  it('maxBytes and the other limits must be whole numbers >= 1', () => {
    const inner = { kind: 'embedded' } as Transport;
    assert.throws(() => withChunking(inner, { maxBytes: 0 }), RangeError, 'maxBytes 0 is refused');
    assert.throws(() => withChunking(inner, { partsWaitMs: 1.5 }), RangeError, 'a fractional wait is refused');
  });
}
