/** ack, requeue, deadLetter, and what happens when a handler throws. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deadLetterQueueOf, ORIGIN_HEADER, REASON_HEADER, type Delivery, type Transport } from '../../src/index.js';
import { text, textOf } from './bytes.js';
import { Inbox } from './inbox.js';
import { eventually, eventuallyValue, oneQueue, within, type Settings } from './harness.js';

/** Waits for the next message on the dead-letter queue of `queue`. */
function nextDeadLetter(transport: Transport, queue: string, settings: Settings): Promise<Delivery> {
  return eventuallyValue(() => transport.get(deadLetterQueueOf(queue)), settings.waitMs, `a message is on ${deadLetterQueueOf(queue)}`);
}

export function settlementTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('ack removes the message for good', { timeout }, async (t) => {
    const { scope, transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.send(queue, text('once'));
    const delivery = await transport.get(queue);
    assert.ok(delivery, 'get returns the message');
    delivery.ack();
    await eventually(async () => { const s = await transport.queueStats(queue); return s.ready === 0 && s.unacked === 0; }, settings.waitMs,
      'an acked message is neither ready nor unacked');
    await transport.close();
    const other = await scope.transport();
    assert.equal(await other.get(queue), null, 'an acked message is not redelivered after its transport closes');
  });

  it('acks made after cancel and right before close reach the broker (graceful shutdown)', { timeout }, async (t) => {
    const { scope, transport, queue } = await oneQueue(t, makeTransport, settings);
    for (const n of ['a', 'b', 'c', 'd']) await transport.send(queue, text(n));
    const inbox = new Inbox<Delivery>(settings.waitMs);
    const subscription = await transport.consume(queue, inbox.put, { prefetch: 2 });
    const held = [await inbox.next('the first delivery'), await inbox.next('the second delivery')];
    await subscription.cancel();
    for (const delivery of held) delivery.ack();
    await transport.close();
    const other = await scope.transport();
    const left: string[] = [];
    for (let d = await other.get(queue); d; d = await other.get(queue)) {
      left.push(textOf(d.body));
      d.ack();
    }
    assert.deepEqual(left.sort(), ['c', 'd'], 'only the two messages never acked are left');
  });

  it('requeue redelivers the message with redelivered = true', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const inbox = new Inbox<Delivery>(settings.waitMs);
    await transport.consume(queue, inbox.put, { prefetch: 1 });
    await transport.send(queue, text('again'), { 'x-test': 'kept' });
    const first = await inbox.next('the first delivery');
    assert.equal(first.redelivered, false, 'the first delivery is not redelivered');
    first.requeue();
    const second = await inbox.next('the requeued message');
    assert.equal(second.redelivered, true, 'a requeued message comes back with redelivered = true');
    assert.equal(textOf(second.body), 'again', 'a requeued message keeps its body');
    assert.equal(second.headers['x-test'], 'kept', 'a requeued message keeps its headers');
    second.ack();
  });

  it('requeue of a message taken with get puts it back for the next get', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.send(queue, text('back'));
    const first = await transport.get(queue);
    assert.ok(first, 'get returns the message');
    first.requeue();
    const again = await eventuallyValue(() => transport.get(queue), settings.waitMs, 'the requeued message is ready again');
    assert.equal(again.redelivered, true, 'a requeued message comes back with redelivered = true');
    assert.equal(textOf(again.body), 'back', 'a requeued message keeps its body');
    again.ack();
  });

  it('deadLetter stores the message on the dead-letter queue with reason and origin', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.send(queue, text('poison'), { 'x-test': 'kept' });
    const delivery = await transport.get(queue);
    assert.ok(delivery, 'get returns the message');
    await within(delivery.deadLetter('schema mismatch'), settings.waitMs, 'deadLetter resolves');
    const dead = await transport.get(deadLetterQueueOf(queue));
    assert.ok(dead, 'once deadLetter resolves, the message is on the dead-letter queue');
    assert.equal(textOf(dead.body), 'poison', 'the dead-lettered body is unchanged');
    assert.equal(dead.headers[REASON_HEADER], 'schema mismatch', 'REASON_HEADER carries the reason');
    assert.equal(dead.headers[ORIGIN_HEADER], queue, 'ORIGIN_HEADER names the queue it came from');
    assert.equal(dead.headers['x-test'], 'kept', 'the original headers are kept');
    dead.ack();
    await eventually(async () => { const s = await transport.queueStats(queue); return s.ready === 0 && s.unacked === 0; }, settings.waitMs,
      'the dead-lettered message is gone from its queue');
  });

  it('a handler that throws has its delivery dead-lettered with the error message', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.consume(queue, (delivery) => {
      if (textOf(delivery.body) === 'sync') throw new Error('sync failure');
      return Promise.reject(new Error('async failure'));
    }, { prefetch: 2 });
    await transport.send(queue, text('sync'));
    await transport.send(queue, text('async'));
    const reasons = new Map<string, unknown>();
    for (let i = 0; i < 2; i++) {
      const dead = await nextDeadLetter(transport, queue, settings);
      reasons.set(textOf(dead.body), dead.headers[REASON_HEADER]);
      assert.equal(dead.headers[ORIGIN_HEADER], queue, 'ORIGIN_HEADER names the queue');
      dead.ack();
    }
    assert.equal(reasons.get('sync'), 'sync failure', 'a throwing handler: the reason is the error message');
    assert.equal(reasons.get('async'), 'async failure', 'a rejecting handler: the reason is the error message');
  });

  it('a handler that settled its delivery and then throws dead-letters nothing', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const handled = new Inbox<string>(settings.waitMs);
    await transport.consume(queue, (delivery) => {
      delivery.ack();
      handled.put(textOf(delivery.body));
      throw new Error('after the ack');
    }, { prefetch: 1 });
    await transport.send(queue, text('settled'));
    assert.equal(await handled.next('the handler ran'), 'settled', 'the handler received the message');
    await handled.quiet(settings.quietMs, 'no second delivery');
    assert.equal(await transport.get(deadLetterQueueOf(queue)), null, 'an already settled delivery is not dead-lettered');
  });
}
