/**
 * A sender's record of its side queues stays bounded: it forgets each one it finds
 * finished, so that (over AMQP) a reconnection does not declare them all again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { createAmqpTransport, type Transport } from '../src/index.js';
import { BROKER_URL, closeConnectionsNamed, ControlledConnect } from './amqp/broker-control.js';
import { eventually, type Settings } from './conformance/harness.js';
import { bodyOf, chunkingScope, queueExists, sideQueuesGone, SMALL, type Pair } from './chunking-helpers.js';

/** Sends `rounds` large messages from `sender`, each taken and acked by `receiver` before the next. */
async function sendAndSettle(sender: Pair, receiver: Pair, queue: string, rounds: number, settings: Settings): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await sender.chunked.send(queue, bodyOf(200 * 1024, round));
    const whole = await receiver.chunked.get(queue);
    assert.ok(whole, `round ${round}: the message is there`);
    whole.ack();
    await sideQueuesGone(receiver.inner, sender.sideQueues.slice(round, round + 1), settings);
  }
}

export function chunkingSenderTests(makeInner: () => Promise<Transport>, settings: Settings): void {
  it('a sender forgets (deletes once more) the side queues it finds finished as it sends', { timeout: settings.testTimeoutMs }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [sender, receiver] = [await scope.pair(), await scope.pair()];
    const queue = await scope.queue(sender.chunked);
    await sendAndSettle(sender, receiver, queue, 4, settings);
    const finished = sender.sideQueues.slice(0, 3);
    await eventually(() => finished.every((side) => sender.deletedSideQueues.includes(side)), settings.waitMs,
      `the sender forgot the first three side queues (forgot ${sender.deletedSideQueues.length})`);
  });
}

export function chunkingReconnectTests(settings: Settings): void {
  it('after a reconnection, the sender does not declare again the side queues it found finished', { timeout: settings.testTimeoutMs }, async (t) => {
    const control = new ControlledConnect(`pff-test-${randomUUID().slice(0, 8)}`);
    const makeControlled = (): Promise<Transport> => createAmqpTransport({ url: BROKER_URL, reconnect: { initialMs: 20, maxMs: 100 } }, { connect: control.connect });
    const scope = chunkingScope(t, () => createAmqpTransport({ url: BROKER_URL }), settings);
    const [sender, receiver] = [await scope.pair(SMALL, makeControlled), await scope.pair()];
    const queue = await scope.queue(sender.chunked);
    // The last side queue is not checked before the reconnection (no send after it): the broker may get it back, empty.
    t.after(async () => {
      const cleaner = await createAmqpTransport({ url: BROKER_URL });
      for (const side of sender.sideQueues) await cleaner.deleteQueue(side);
      await cleaner.close();
    });
    await sendAndSettle(sender, receiver, queue, 4, settings);
    const finished = sender.sideQueues.slice(0, 3);
    await eventually(() => finished.every((side) => sender.deletedSideQueues.includes(side)), settings.waitMs, 'the sender forgot the first three side queues');
    assert.equal(await closeConnectionsNamed(control.name), 1, 'the broker closed the sender\'s connection');
    await eventually(() => control.models.length === 2 && sender.chunked.state === 'connected', settings.waitMs, 'the sender reconnected');
    for (const side of finished) assert.equal(await queueExists(receiver.inner, side), false, `${side} stays deleted after the reconnection`);
  });
}
