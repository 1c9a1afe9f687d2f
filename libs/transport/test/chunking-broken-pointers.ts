/**
 * Pointers that cannot be followed (side queue missing, parts short, lengths that do not
 * add up, a name that is not a side queue's) are dead-lettered with a reason naming the
 * problem: no crash, no hang, no handler call, no remains.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deadLetterQueueOf, ORIGIN_HEADER, REASON_HEADER, type Delivery, type Transport } from '../src/index.js';
import { text, textOf } from './conformance/bytes.js';
import { eventuallyValue, type Settings } from './conformance/harness.js';
import { Inbox } from './conformance/inbox.js';
import { chunkingScope, plantParts, pointerTo, queueExists, reservedIn, type Pair } from './chunking-helpers.js';

const WAIT = { maxBytes: 64 * 1024, partsWaitMs: 300 };

interface Case {
  readonly name: string;
  /** Puts a broken pointer on `queue` (parts first, as a sender would); returns its side queue, if any. */
  readonly plant: (pair: Pair, queue: string) => Promise<string | undefined>;
  readonly reason: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'its side queue is missing',
    plant: async ({ inner }, queue) => { await inner.send(queue, new Uint8Array(0), { ...pointerTo(queue, 3, 300), 'x-test': 'kept' }); return undefined; },
    reason: /side queue .*\.parts\..* is missing/,
  },
  {
    name: 'its side queue holds fewer parts than it says',
    plant: async (pair, queue) => {
      const partsQueue = await plantParts(pair.inner, queue, [[0, 3, 'first of three']]);
      await pair.inner.send(queue, new Uint8Array(0), { ...pointerTo(queue, 3, 300, partsQueue), 'x-test': 'kept' });
      return partsQueue;
    },
    reason: /holds 1 of 3 parts after 300 ms/,
  },
  {
    name: 'its parts hold another length than it says',
    plant: async (pair, queue) => {
      const partsQueue = await plantParts(pair.inner, queue, [[1, 2, 'tail'], [0, 2, 'head']]);
      await pair.inner.send(queue, new Uint8Array(0), { ...pointerTo(queue, 2, 300, partsQueue), 'x-test': 'kept' });
      return partsQueue;
    },
    reason: /hold 8 bytes, the pointer says 300/,
  },
  {
    name: 'a part disagrees on the count',
    plant: async (pair, queue) => {
      const partsQueue = await plantParts(pair.inner, queue, [[0, 5, 'odd one']]);
      await pair.inner.send(queue, new Uint8Array(0), { ...pointerTo(queue, 2, 300, partsQueue), 'x-test': 'kept' });
      return partsQueue;
    },
    reason: /says 5 parts, the pointer says 2/,
  },
];

export function chunkingBrokenPointerTests(makeInner: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  for (const { name, plant, reason } of CASES) {
    it(`a pointer is dead-lettered with a reason naming the problem when ${name}; its side queue is deleted`, { timeout }, async (t) => {
      const scope = chunkingScope(t, makeInner, settings);
      const pair = await scope.pair(WAIT);
      const queue = await scope.queue(pair.chunked);
      const partsQueue = await plant(pair, queue);
      const handled = new Inbox<Delivery>(settings.waitMs);
      await pair.chunked.consume(queue, handled.put, { prefetch: 1 });
      const dead = await eventuallyValue(() => pair.inner.get(deadLetterQueueOf(queue)), settings.waitMs, 'the dead-lettered pointer');
      assert.match(String(dead.headers[REASON_HEADER]), reason, 'the reason names the problem');
      assert.equal(dead.headers[ORIGIN_HEADER], queue, 'the origin is the work queue');
      assert.equal(dead.headers['x-test'], 'kept', 'the sender\'s headers are kept');
      assert.deepEqual(reservedIn(dead.headers), [], 'the dead letter is no pointer any more');
      dead.ack();
      await handled.quiet(settings.quietMs, 'the handler never sees a broken message');
      if (partsQueue !== undefined) assert.equal(await queueExists(pair.inner, partsQueue), false, 'what was left of the side queue is deleted');
    });
  }

  it('get dead-letters a broken pointer on its way and returns the next message', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const pair = await scope.pair(WAIT);
    const queue = await scope.queue(pair.chunked);
    await pair.inner.send(queue, new Uint8Array(0), pointerTo(queue, 2, 100));
    await pair.chunked.send(queue, text('after the broken one'));
    const next = await pair.chunked.get(queue);
    assert.ok(next, 'get returns a message');
    assert.equal(textOf(next.body), 'after the broken one', 'the message after the broken pointer');
    next.ack();
    const dead = await pair.inner.get(deadLetterQueueOf(queue));
    assert.ok(dead, 'the broken pointer is on the dead-letter queue');
    assert.match(String(dead.headers[REASON_HEADER]), /is missing/, 'with its reason');
    dead.ack();
  });

  it('a pointer naming a queue that is not a side queue is dead-lettered without touching that queue', { timeout }, async (t) => {
    const scope = chunkingScope(t, makeInner, settings);
    const pair = await scope.pair(WAIT);
    const [queue, victim] = [await scope.queue(pair.chunked), await scope.queue(pair.chunked)];
    await pair.inner.send(victim, text('not yours'));
    await pair.inner.send(queue, new Uint8Array(0), pointerTo(queue, 1, 9, victim));
    assert.equal(await pair.chunked.get(queue), null, 'nothing to hand out');
    const dead = await pair.inner.get(deadLetterQueueOf(queue));
    assert.ok(dead, 'the pointer is dead-lettered');
    assert.match(String(dead.headers[REASON_HEADER]), /malformed pointer: .* is not a side queue name/, 'with its reason');
    dead.ack();
    const untouched = await pair.inner.get(victim);
    assert.equal(untouched && textOf(untouched.body), 'not yours', 'the other queue keeps its message');
    untouched?.ack();
  });
}
