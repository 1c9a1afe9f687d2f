/** Competing consumers, prefetch, cancel, and what a closed consumer leaves behind. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Delivery, Transport } from '../../src/index.js';
import { text, textOf } from './bytes.js';
import { Inbox } from './inbox.js';
import { eventually, oneQueue, scopeOf, within, type Settings } from './harness.js';

export function consumerTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('competing consumers on two transports share the messages, each delivered once', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const [a, b] = [await scope.transport(), await scope.transport()];
    const queue = await scope.queue();
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    const handlerFor = (who: string) => (delivery: Delivery): void => {
      const body = textOf(delivery.body);
      if (seen.has(body)) duplicates.push(body);
      seen.set(body, who);
      setTimeout(() => delivery.ack(), 5);
    };
    await a.consume(queue, handlerFor('a'), { prefetch: 1 });
    await b.consume(queue, handlerFor('b'), { prefetch: 1 });
    const count = 40;
    for (let i = 0; i < count; i++) await a.send(queue, text(`m${i}`));
    await eventually(() => seen.size === count, settings.waitMs, `all ${count} messages consumed (have ${seen.size})`);
    assert.deepEqual(duplicates, [], 'no message is delivered twice');
    const byA = [...seen.values()].filter((who) => who === 'a').length;
    assert.ok(byA > 0 && byA < count, `both consumers get a share (a had ${byA} of ${count})`);
  });

  it('prefetch bounds the unsettled deliveries a consumer holds', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const one = new Inbox<Delivery>(settings.waitMs);
    await transport.consume(queue, one.put, { prefetch: 1 });
    for (const n of [1, 2, 3]) await transport.send(queue, text(`m${n}`));
    const first = await one.next('the first delivery');
    await one.quiet(settings.quietMs, 'prefetch 1 with one unacked delivery: no second one');
    const stats = await transport.queueStats(queue);
    assert.deepEqual(stats, { ready: 2, unacked: 1, consumers: 1 }, 'one held, two waiting');
    first.ack();
    const second = await one.next('the second delivery after the ack');
    assert.equal(textOf(second.body), 'm2', 'the next message in order arrives once the first is acked');
    await one.quiet(settings.quietMs, 'still only one at a time');
    second.ack();
    (await one.next('the third delivery')).ack();
  });

  it('a consumer with prefetch 2 gets two at once and no third', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const two = new Inbox<Delivery>(settings.waitMs);
    await transport.consume(queue, two.put, { prefetch: 2 });
    for (const n of [1, 2, 3]) await transport.send(queue, text(`m${n}`));
    const held = [await two.next('the first delivery'), await two.next('the second delivery')];
    await two.quiet(settings.quietMs, 'prefetch 2 with two unacked: no third');
    for (const delivery of held) delivery.ack();
    (await two.next('the third delivery after the acks')).ack();
  });

  it('cancel stops deliveries; deliveries already handed out can still be settled', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const inbox = new Inbox<Delivery>(settings.waitMs);
    const subscription = await transport.consume(queue, inbox.put, { prefetch: 5 });
    await transport.send(queue, text('before'));
    await transport.send(queue, text('before, requeued'));
    const kept = await inbox.next('a delivery before cancel');
    const returned = await inbox.next('a second delivery before cancel');
    await within(subscription.cancel(), settings.waitMs, 'cancel resolves');
    await transport.send(queue, text('after'));
    await inbox.quiet(settings.quietMs, 'nothing is delivered after cancel');
    kept.ack();
    returned.requeue();
    await eventually(async () => { const s = await transport.queueStats(queue); return s.ready === 2 && s.unacked === 0 && s.consumers === 0; },
      settings.waitMs, 'after cancel: the ack counted, the requeued one and the later one are ready');
    const texts: string[] = [];
    for (let delivery = await transport.get(queue); delivery; delivery = await transport.get(queue)) {
      texts.push(textOf(delivery.body));
      delivery.ack();
    }
    assert.deepEqual(texts.sort(), ['after', 'before, requeued'], 'the requeued and the later message are in the queue, the acked one is not');
  });

  it('closing a transport with unsettled deliveries redelivers them to another consumer', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const [dying, survivor] = [await scope.transport(), await scope.transport()];
    const queue = await scope.queue();
    const held = new Inbox<Delivery>(settings.waitMs);
    await dying.consume(queue, held.put, { prefetch: 2 });
    await dying.send(queue, text('x'));
    await dying.send(queue, text('y'));
    const stranded = [await held.next('first held delivery'), await held.next('second held delivery')];
    const rescued = new Inbox<Delivery>(settings.waitMs);
    await survivor.consume(queue, rescued.put, { prefetch: 5 });
    await rescued.quiet(settings.quietMs, 'nothing for the second consumer while the first holds both');
    await within(dying.close(), settings.waitMs, 'close resolves');
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const again = await rescued.next(`redelivery ${i} after close`);
      assert.equal(again.redelivered, true, 'a message left unsettled by a closed transport is redelivered = true');
      texts.push(textOf(again.body));
      again.ack();
    }
    assert.deepEqual(texts.sort(), ['x', 'y'], 'both stranded messages reach the other consumer');
    assert.equal(stranded.length, 2, 'the closed transport held two');
  });
}
