/** Connection loss: reconnection with back-off, restored consumers and subscriptions, sends held through the outage. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it, type TestContext } from 'node:test';
import { createAmqpTransport, type Broadcast, type Delivery, type Transport, type TransportState } from '../../src/index.js';
import { text, textOf } from '../conformance/bytes.js';
import { eventually, scopeOf, sleep, uniqueName, within, type Settings } from '../conformance/harness.js';
import { Inbox } from '../conformance/inbox.js';
import { BROKER_URL, closeConnectionsNamed, ControlledConnect, heartbeatsOfConnectionsNamed } from './broker-control.js';

/** Transports whose connections the test controls; it stops refusing when the test ends, so clean-up can connect. */
function controlled(t: TestContext, logs: string[]): { control: ControlledConnect; make: () => Promise<Transport> } {
  const control = new ControlledConnect(`pff-test-${randomUUID().slice(0, 8)}`);
  t.after(() => (control.refusing = false));
  const make = () => createAmqpTransport({ url: BROKER_URL, reconnect: { initialMs: 20, maxMs: 100 }, log: (line) => logs.push(line) }, { connect: control.connect });
  return { control, make };
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch(promise: Promise<unknown>): { settled: boolean } {
  const state = { settled: false };
  promise.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

export function reconnectTests(settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('after the broker closes the connection: reconnecting → connected, consumers and subscriptions resume, a send made during the outage is delivered', { timeout }, async (t) => {
    const logs: string[] = [];
    const { control, make } = controlled(t, logs);
    const scope = scopeOf(t, make, settings);
    const transport = await scope.transport();
    const queue = await scope.queue();
    const topic = uniqueName('topic');
    const states: TransportState[] = [];
    transport.onState((state) => states.push(state));
    const inbox = new Inbox<Delivery>(settings.waitMs);
    const heard = new Inbox<Broadcast>(settings.waitMs);
    await transport.consume(queue, inbox.put, { prefetch: 5 });
    await transport.subscribe(topic, heard.put);
    await transport.send(queue, text('before'));
    const held = await inbox.next('a delivery before the outage');

    control.refusing = true;
    assert.equal(await closeConnectionsNamed(control.name), 1, 'the broker closed exactly the transport\'s connection');
    await eventually(() => transport.state === 'reconnecting', settings.waitMs, 'state is reconnecting');
    const during = transport.send(queue, text('during'));
    const sent = watch(during);
    await eventually(() => control.refused >= 2, settings.waitMs, 'at least two reconnection attempts were refused');
    assert.equal(sent.settled, false, 'a send made while disconnected waits for the connection');
    assert.doesNotThrow(() => held.ack(), 'settling a delivery from the dead channel is a silent no-op');

    control.refusing = false;
    await within(during, settings.waitMs, 'the send made during the outage resolves after reconnection');
    assert.equal(transport.state, 'connected', 'connected again');
    assert.deepEqual(states, ['reconnecting', 'connected'], 'the states went reconnecting then connected');
    const texts = new Map<string, boolean>();
    for (let i = 0; i < 2; i++) {
      const delivery = await inbox.next(`delivery ${i} after reconnection`);
      texts.set(textOf(delivery.body), delivery.redelivered);
      delivery.ack();
    }
    assert.equal(texts.get('before'), true, 'the message held unsettled at the outage is redelivered, redelivered = true');
    assert.equal(texts.get('during'), false, 'the message sent during the outage is delivered');
    await transport.send(queue, text('after'));
    assert.equal(textOf((await inbox.next('a message sent after reconnection')).body), 'after', 'consuming resumed');
    assert.equal((await transport.queueStats(queue)).consumers, 1, 'the consumer was re-created once, not twice');
    await transport.broadcast(topic, text('still listening'));
    assert.equal(textOf((await heard.next('a broadcast after reconnection')).body), 'still listening', 'the subscription was re-created');
    assert.ok(logs.some((line) => line.includes('reconnected')), `the log reports the reconnection (log: ${logs.join(' | ')})`);
  });

  it('blocked by the broker: state blocked, sends wait until unblocked', { timeout }, async (t) => {
    const { control, make } = controlled(t, []);
    const scope = scopeOf(t, make, settings);
    const transport = await scope.transport();
    const queue = await scope.queue();
    control.latest().emit('blocked', 'memory alarm (simulated by the test)');
    assert.equal(transport.state, 'blocked', 'the connection.blocked notification makes the state blocked');
    const pending = transport.send(queue, text('held back'));
    const sent = watch(pending);
    await sleep(settings.quietMs);
    assert.equal(sent.settled, false, 'a send waits while blocked');
    control.latest().emit('unblocked');
    assert.equal(transport.state, 'connected', 'connection.unblocked makes the state connected again');
    await within(pending, settings.waitMs, 'the held send goes out once unblocked');
    const delivery = await transport.get(queue);
    assert.equal(delivery && textOf(delivery.body), 'held back', 'the held send arrived');
    delivery?.ack();
  });

  it('close() during an outage: stops reconnecting, fails the waiting send, state closed', { timeout }, async (t) => {
    const { control, make } = controlled(t, []);
    const scope = scopeOf(t, make, settings);
    const transport = await scope.transport();
    const queue = await scope.queue();
    control.refusing = true;
    await control.latest().close();
    await eventually(() => transport.state === 'reconnecting', settings.waitMs, 'state is reconnecting');
    const pending = transport.send(queue, text('never'));
    await within(transport.close(), settings.waitMs, 'close resolves during an outage');
    await assert.rejects(pending, (error: unknown) => (error as { code?: unknown }).code === 'TRANSPORT_CLOSED', 'the waiting send fails with TRANSPORT_CLOSED');
    assert.equal(transport.state, 'closed', 'state is closed');
    const attempts = control.refused;
    await sleep(settings.quietMs);
    assert.equal(control.refused, attempts, 'no reconnection attempt after close');
  });

  it('the heartbeat asked for is the one the broker uses', { timeout }, async (t) => {
    const control = new ControlledConnect(`pff-test-${randomUUID().slice(0, 8)}`);
    const scope = scopeOf(t, () => createAmqpTransport({ url: BROKER_URL, heartbeatSeconds: 7 }, { connect: control.connect }), settings);
    await scope.transport();
    assert.deepEqual(await heartbeatsOfConnectionsNamed(control.name), [7], 'one connection, heartbeat 7 s');
  });

  it('createAmqpTransport rejects when the broker cannot be reached', { timeout }, async () => {
    await assert.rejects(createAmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1' }), 'no broker on port 1: the first connection fails');
  });
}
