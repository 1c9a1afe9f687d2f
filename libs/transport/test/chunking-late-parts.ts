/**
 * Parts that reach their side queue after the pointer was taken (parts requeued by
 * another client lag their pointer a little) are waited for; a message rebuilt after
 * its consumer was cancelled is given back, not handed out.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Delivery, Transport } from '../src/index.js';
import { textOf } from './conformance/bytes.js';
import { eventuallyValue, sleep, within, type Settings } from './conformance/harness.js';
import { Inbox } from './conformance/inbox.js';
import { chunkingScope, plantParts, pointerTo, reservedIn, sendParts } from './chunking-helpers.js';

const WAITING = { maxBytes: 64 * 1024, partsWaitMs: 5_000 };
const PARTS = [[0, 3, 'parts '], [1, 3, 'arrive '], [2, 3, 'late']] as const;

export function chunkingLatePartsTests(makeInner: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('parts that arrive after their pointer was taken are waited for', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const pair = await scope.pair(WAITING);
    const queue = await scope.queue(pair.chunked);
    const partsQueue = await plantParts(pair.inner, queue, []);
    await pair.inner.send(queue, new Uint8Array(0), { ...pointerTo(queue, 3, 17, partsQueue), 'x-test': 'late' });
    const inbox = new Inbox<Delivery>(settings.waitMs);
    await pair.chunked.consume(queue, inbox.put, { prefetch: 1 });
    await sleep(200);
    await sendParts(pair.inner, partsQueue, PARTS);
    const whole = await inbox.next('the message once its parts are there');
    assert.equal(textOf(whole.body), 'parts arrive late', 'rebuilt from the late parts');
    assert.deepEqual(reservedIn(whole.headers), [], 'no chunking headers');
    assert.equal(whole.headers['x-test'], 'late', 'the pointer\'s own headers');
    whole.ack();
  });

  it('a message still being rebuilt when its consumer is cancelled goes back to the queue, whole', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const [pair, other] = [await scope.pair(WAITING), await scope.pair(WAITING)];
    const queue = await scope.queue(pair.chunked);
    const partsQueue = await plantParts(pair.inner, queue, []);
    await pair.inner.send(queue, new Uint8Array(0), pointerTo(queue, 3, 17, partsQueue));
    const inbox = new Inbox<Delivery>(settings.waitMs);
    const subscription = await pair.chunked.consume(queue, inbox.put, { prefetch: 1 });
    await sleep(200);
    await within(subscription.cancel(), settings.waitMs, 'cancel resolves');
    await sendParts(pair.inner, partsQueue, PARTS);
    await inbox.quiet(settings.quietMs, 'nothing is handed out after cancel');
    const whole = await eventuallyValue(() => other.chunked.get(queue), settings.waitMs, 'the message, given back');
    assert.equal(textOf(whole.body), 'parts arrive late', 'whole');
    assert.equal(whole.redelivered, true, 'redelivered = true');
    whole.ack();
  });
}
