/** What is sent arrives unchanged: every byte, the headers, large bodies. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Delivery, Transport } from '../../src/index.js';
import { digest, everyByte, patterned } from './bytes.js';
import { Inbox } from './inbox.js';
import { oneQueue, type Settings } from './harness.js';

const HEADERS = { 'x-test-text': 'héllo wörld', 'x-test-int': 42, 'x-test-negative': -7, 'x-test-fraction': 0.5 };

function assertSame(delivery: Delivery, body: Uint8Array, what: string): void {
  assert.ok(delivery.body instanceof Uint8Array, `${what}: body is a Uint8Array`);
  assert.equal(digest(delivery.body), digest(body), `${what}: body bytes unchanged`);
}

export function roundTripTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('send then get preserves body bytes and headers', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const body = everyByte();
    await transport.send(queue, body, HEADERS);
    const delivery = await transport.get(queue);
    assert.ok(delivery, 'get returns the message just sent');
    assertSame(delivery, body, 'get');
    for (const [name, value] of Object.entries(HEADERS)) {
      assert.equal(delivery.headers[name], value, `header ${name} arrives with its value and type`);
    }
    assert.equal(delivery.redelivered, false, 'a first delivery is not marked redelivered');
    delivery.ack();
  });

  it('send then consume preserves body bytes (a view with an offset) and headers, in order', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const inbox = new Inbox<Delivery>(settings.waitMs);
    await transport.consume(queue, inbox.put, { prefetch: 10 });
    const bodies = [patterned(1000), new Uint8Array(0), everyByte()];
    for (const body of bodies) await transport.send(queue, body, HEADERS);
    for (const [index, body] of bodies.entries()) {
      const delivery = await inbox.next(`delivery ${index}`);
      assertSame(delivery, body, `consumed message ${index}`);
      assert.equal(delivery.headers['x-test-text'], HEADERS['x-test-text'], `consumed message ${index}: text header`);
      assert.equal(delivery.headers['x-test-int'], HEADERS['x-test-int'], `consumed message ${index}: number header`);
      delivery.ack();
    }
  });

  it('a message without headers arrives with an empty headers object', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    await transport.send(queue, everyByte());
    const delivery = await transport.get(queue);
    assert.ok(delivery, 'get returns the message just sent');
    assert.equal(typeof delivery.headers, 'object', 'headers is always an object');
    assert.equal(Object.keys(delivery.headers).filter((name) => name.startsWith('x-pff-')).length, 0, 'no pff headers on a plain message');
    delivery.ack();
  });

  it('a 5 MiB body round-trips through get and through consume', { timeout }, async (t) => {
    const { transport, queue } = await oneQueue(t, makeTransport, settings);
    const body = patterned(5 * 1024 * 1024);
    await transport.send(queue, body);
    const got = await transport.get(queue);
    assert.ok(got, 'get returns the large message');
    assertSame(got, body, 'large body through get');
    got.ack();
    const inbox = new Inbox<Delivery>(settings.waitMs);
    await transport.consume(queue, inbox.put, { prefetch: 1 });
    await transport.send(queue, body);
    const consumed = await inbox.next('the large message through consume');
    assertSame(consumed, body, 'large body through consume');
    consumed.ack();
  });
}
