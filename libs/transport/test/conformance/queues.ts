/** Declaring, deleting, inspecting and polling queues. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deadLetterQueueOf, type Transport } from '../../src/index.js';
import { text, textOf } from './bytes.js';
import { eventually, oneQueue, within, type Settings } from './harness.js';

export function queueTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('declareQueue is idempotent and keeps the messages already queued', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.declareQueue(queue);
    await transport.send(queue, text('kept'));
    await transport.declareQueue(queue);
    await eventually(async () => (await transport.queueStats(queue)).ready === 1, settings.waitMs, 'ready = 1 after re-declaring');
    const delivery = await transport.get(queue);
    assert.ok(delivery, 're-declaring a queue must not drop its messages');
    assert.equal(textOf(delivery.body), 'kept', 'the message survives a re-declare');
    delivery.ack();
  });

  it('deleteQueue removes the queue and its dead-letter queue, and tolerates a missing queue', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.send(queue, text('to the dlq'));
    await transport.send(queue, text('left in the queue'));
    const first = await transport.get(queue);
    assert.ok(first, 'a sent message can be taken with get');
    await within(first.deadLetter('testing delete'), settings.waitMs, 'deadLetter');
    await transport.deleteQueue(queue);
    await transport.deleteQueue(queue);
    await transport.declareQueue(queue);
    assert.equal(await transport.get(queue), null, 'a deleted and re-declared queue starts empty');
    assert.equal(await transport.get(deadLetterQueueOf(queue)), null, 'deleteQueue deletes the dead-letter queue too');
    await transport.deleteQueue(`${queue}.never-declared`);
  });

  it('get returns null when the queue is empty', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    assert.equal(await transport.get(queue), null, 'get on an empty queue returns null');
    assert.equal(await transport.get(deadLetterQueueOf(queue)), null, 'get on an empty dead-letter queue returns null');
  });

  it('queueStats counts ready, unacked and consumers', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const stats = () => transport.queueStats(queue);
    assert.deepEqual(await stats(), { ready: 0, unacked: 0, consumers: 0 }, 'a new queue has nothing');
    for (const n of [1, 2, 3]) await transport.send(queue, text(`m${n}`));
    await eventually(async () => (await stats()).ready === 3, settings.waitMs, 'ready = 3 after three sends');
    const taken = await transport.get(queue);
    assert.ok(taken, 'get takes one of three');
    await eventually(async () => { const s = await stats(); return s.ready === 2 && s.unacked === 1; }, settings.waitMs, 'ready 2, unacked 1 while one is held');
    const one = await transport.consume(queue, () => undefined, { prefetch: 1 });
    const two = await transport.consume(queue, () => undefined, { prefetch: 1 });
    await eventually(async () => { const s = await stats(); return s.consumers === 2 && s.ready === 0 && s.unacked === 3; }, settings.waitMs,
      'two consumers holding one each: consumers 2, ready 0, unacked 3');
    await one.cancel();
    await eventually(async () => (await stats()).consumers === 1, settings.waitMs, 'consumers = 1 after a cancel');
    taken.ack();
    await eventually(async () => (await stats()).unacked === 2, settings.waitMs, 'unacked = 2 after an ack');
    await two.cancel();
  });
}
