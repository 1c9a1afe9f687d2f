/** Fanout topics: every current subscriber gets each broadcast; nothing is stored. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Broadcast, Transport } from '../../src/index.js';
import { everyByte, digest, text, textOf } from './bytes.js';
import { Inbox } from './inbox.js';
import { scopeOf, uniqueName, type Settings } from './harness.js';

export function broadcastTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('broadcast reaches every current subscriber, with body and headers', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const [a, b] = [await scope.transport(), await scope.transport()];
    const topic = uniqueName('topic');
    const inboxes = [new Inbox<Broadcast>(settings.waitMs), new Inbox<Broadcast>(settings.waitMs), new Inbox<Broadcast>(settings.waitMs)];
    const [first, second, third] = inboxes as [Inbox<Broadcast>, Inbox<Broadcast>, Inbox<Broadcast>];
    await a.subscribe(topic, first.put);
    await a.subscribe(topic, second.put);
    await b.subscribe(topic, third.put);
    await b.broadcast(topic, everyByte(), { 'x-test': 'fanout', 'x-test-n': 3 });
    for (const [index, inbox] of inboxes.entries()) {
      const message = await inbox.next(`subscriber ${index} receives the broadcast`);
      assert.equal(digest(message.body), digest(everyByte()), `subscriber ${index}: body unchanged`);
      assert.equal(message.headers['x-test'], 'fanout', `subscriber ${index}: text header`);
      assert.equal(message.headers['x-test-n'], 3, `subscriber ${index}: number header`);
      await inbox.quiet(settings.quietMs, `subscriber ${index} gets the broadcast once`);
    }
  });

  it('a cancelled subscriber receives no more broadcasts; the others still do', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const transport = await scope.transport();
    const topic = uniqueName('topic');
    const staying = new Inbox<Broadcast>(settings.waitMs);
    const leaving = new Inbox<Broadcast>(settings.waitMs);
    await transport.subscribe(topic, staying.put);
    const subscription = await transport.subscribe(topic, leaving.put);
    await transport.broadcast(topic, text('one'));
    assert.equal(textOf((await leaving.next('the first broadcast before cancel')).body), 'one', 'received before cancel');
    await subscription.cancel();
    await transport.broadcast(topic, text('two'));
    assert.equal(textOf((await staying.next('the first broadcast')).body), 'one', 'the staying subscriber got the first');
    assert.equal(textOf((await staying.next('the second broadcast')).body), 'two', 'the staying subscriber got the second');
    await leaving.quiet(settings.quietMs, 'a cancelled subscriber gets nothing');
  });

  it('a broadcast is not kept for subscribers that come later', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const transport = await scope.transport();
    const topic = uniqueName('topic');
    await transport.broadcast(topic, text('nobody listening'));
    const late = new Inbox<Broadcast>(settings.waitMs);
    await transport.subscribe(topic, late.put);
    await late.quiet(settings.quietMs, 'a late subscriber does not get earlier broadcasts');
    await transport.broadcast(topic, text('now'));
    assert.equal(textOf((await late.next('a broadcast after subscribing')).body), 'now', 'the late subscriber gets later broadcasts');
  });
}
