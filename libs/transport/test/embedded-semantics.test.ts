/**
 * What the embedded transports promise beyond the conformance suite: round-robin order,
 * requeue to the front, who owns a body after send, error codes, settling after close
 * or after the queue is gone, and a port client whose broker side goes away.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import {
  createEmbeddedTransport, createPortTransport, deadLetterQueueOf, EmbeddedBroker, EmbeddedTransportError, serveBrokerPort,
  type BrokerPortServer, type Delivery, type EmbeddedTransportOptions, type Transport,
} from '../src/index.js';
import { Inbox } from './conformance/inbox.js';
import { eventually, within } from './conformance/harness.js';

const WAIT_MS = 5_000;
const timeout = 20_000;
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const textOf = (body: Uint8Array): string => new TextDecoder().decode(body);

type Connect = (broker: EmbeddedBroker, t: TestContext, options?: EmbeddedTransportOptions) => Transport;

function closedAfter(t: TestContext, transport: Transport, server?: BrokerPortServer): Transport {
  t.after(async () => {
    await transport.close();
    server?.disconnect();
  });
  return transport;
}

const inProcess: Connect = (broker, t, options) => closedAfter(t, createEmbeddedTransport(broker, options));

function overPort(broker: EmbeddedBroker, t: TestContext, options?: EmbeddedTransportOptions): { transport: Transport; server: BrokerPortServer } {
  const { port1, port2 } = new MessageChannel();
  const server = serveBrokerPort(broker, port1);
  return { transport: closedAfter(t, createPortTransport(port2, options), server), server };
}

async function rejectsWith(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(within(promise, WAIT_MS, what), (error: unknown) => error instanceof EmbeddedTransportError && error.code === code,
    `${what}: rejects with code ${code}`);
}

for (const [name, connect] of [['in-process', inProcess], ['over a MessagePort', (b, t, o) => overPort(b, t, o).transport]] as [string, Connect][]) {
  void describe(`embedded transport ${name}`, () => {
    it('hands messages out round robin, in order, and a requeued message goes back to the front', { timeout }, async (t) => {
      const transport = connect(new EmbeddedBroker(), t);
      await transport.declareQueue('q');
      const seen = new Inbox<string>(WAIT_MS);
      for (const who of ['a', 'b']) await transport.consume('q', (d) => { seen.put(`${who}:${textOf(d.body)}`); d.ack(); }, { prefetch: 10 });
      for (let i = 0; i < 4; i++) await transport.send('q', text(`m${i}`));
      const order = [];
      for (let i = 0; i < 4; i++) order.push(await seen.next(`delivery ${i}`));
      assert.deepEqual(order, ['a:m0', 'b:m1', 'a:m2', 'b:m3'], 'alternates between the consumers, in send order');

      await transport.declareQueue('r');
      for (const m of ['first', 'second']) await transport.send('r', text(m));
      const first = await transport.get('r');
      first?.requeue();
      const again = await transport.get('r');
      assert.equal(again && textOf(again.body), 'first', 'a requeued message is the next one out');
      assert.equal(again?.redelivered, true, 'and is marked redelivered');
    });

    it('rejects with EmbeddedTransportError codes: QUEUE_NOT_FOUND, BAD_OPTION, CLOSED', { timeout }, async (t) => {
      const transport = connect(new EmbeddedBroker(), t);
      await rejectsWith(transport.send('missing', text('x')), 'QUEUE_NOT_FOUND', 'send to an undeclared queue');
      await rejectsWith(transport.get('missing'), 'QUEUE_NOT_FOUND', 'get from an undeclared queue');
      await rejectsWith(transport.queueStats('missing'), 'QUEUE_NOT_FOUND', 'queueStats of an undeclared queue');
      await rejectsWith(transport.consume('missing', () => undefined, { prefetch: 1 }), 'QUEUE_NOT_FOUND', 'consume an undeclared queue');
      await transport.declareQueue('q');
      await rejectsWith(transport.consume('q', () => undefined, { prefetch: 0 }), 'BAD_OPTION', 'prefetch 0');
      await rejectsWith(transport.consume('q', () => undefined, { prefetch: 1.5 }), 'BAD_OPTION', 'prefetch 1.5');
      assert.equal((await transport.queueStats('q')).consumers, 0, 'a rejected consume adds no consumer');
      await transport.close();
      await rejectsWith(transport.send('q', text('x')), 'CLOSED', 'send after close');
      await rejectsWith(transport.declareQueue('q'), 'CLOSED', 'declareQueue after close');
    });

    it('by default the sender keeps its body; with takeBodies the transport takes a whole-buffer body', { timeout }, async (t) => {
      const broker = new EmbeddedBroker();
      const copying = connect(broker, t);
      const taking = connect(broker, t, { takeBodies: true });
      await copying.declareQueue('q');
      const kept = text('kept');
      await copying.send('q', kept);
      assert.equal(textOf(kept), 'kept', 'the default: the caller\'s body is intact after send');
      kept.fill(0);
      assert.equal(textOf((await copying.get('q'))?.body ?? new Uint8Array()), 'kept', 'and changing it afterwards changes nothing queued');
      const whole = text('whole');
      const view = text('[view]').subarray(1, 5);
      await taking.send('q', whole);
      await taking.send('q', view);
      assert.equal(textOf(view), 'view', 'a view into a larger buffer is copied even with takeBodies');
      for (const expected of ['whole', 'view']) {
        assert.equal(textOf((await copying.get('q'))?.body ?? new Uint8Array()), expected, `${expected} arrives intact`);
      }
      if (name === 'over a MessagePort') assert.equal(whole.byteLength, 0, 'over a port, a taken body is transferred: the caller\'s view is detached');
    });

    it('after close: ack and requeue do nothing, deadLetter rejects, the broker has requeued the delivery', { timeout }, async (t) => {
      const broker = new EmbeddedBroker();
      const [closing, other] = [connect(broker, t), connect(broker, t)];
      await closing.declareQueue('q');
      await closing.send('q', text('held'));
      const held = await closing.get('q');
      assert.ok(held, 'get takes the message');
      await closing.close();
      await rejectsWith(held.deadLetter('too late'), 'CLOSED', 'deadLetter after close');
      held.ack();
      held.requeue();
      assert.deepEqual(await other.queueStats('q'), { ready: 1, unacked: 0, consumers: 0 }, 'the message is back, once');
      const back = await other.get('q');
      assert.equal(back?.redelivered, true, 'redelivered after its holder closed');
      assert.equal(await other.get(deadLetterQueueOf('q')), null, 'nothing was dead-lettered');
    });

    it('the first settlement counts; later ones do nothing', { timeout }, async (t) => {
      const transport = connect(new EmbeddedBroker(), t);
      await transport.declareQueue('q');
      await transport.send('q', text('once'));
      const delivery = await transport.get('q');
      assert.ok(delivery, 'get takes the message');
      delivery.ack();
      delivery.requeue();
      await within(delivery.deadLetter('no'), WAIT_MS, 'a late deadLetter resolves');
      await eventually(async () => (await transport.queueStats('q')).unacked === 0, WAIT_MS, 'the ack is counted');
      assert.deepEqual(await transport.queueStats('q'), { ready: 0, unacked: 0, consumers: 0 }, 'not requeued after the ack');
      assert.equal(await transport.get(deadLetterQueueOf('q')), null, 'not dead-lettered after the ack');
    });

    it('a delivery whose queue was deleted settles as a no-op; dead-lettering from a dead-letter queue goes to its own .dlq', { timeout }, async (t) => {
      const transport = connect(new EmbeddedBroker(), t);
      await transport.declareQueue('q');
      await transport.send('q', text('orphan'));
      const orphan = await transport.get('q');
      await transport.deleteQueue('q');
      await transport.declareQueue('q');
      orphan?.requeue();
      await transport.send('q', text('poison'));
      const poison = await transport.get('q');
      assert.equal(poison && textOf(poison.body), 'poison', 'the requeued orphan did not come back into the new queue');
      await poison?.deadLetter('bad');
      const dead = await transport.get(deadLetterQueueOf('q'));
      await dead?.deadLetter('worse');
      const deader = await transport.get(deadLetterQueueOf(deadLetterQueueOf('q')));
      assert.equal(deader?.headers['x-pff-reason'], 'worse', 'a message dead-lettered from q.dlq is kept on q.dlq.dlq');
    });
  });
}

void describe('embedded transport over a MessagePort: the ends', () => {
  it('close() waits for the sends already made; serveBrokerPort().disconnect() closes the client and requeues', { timeout }, async (t) => {
    const broker = new EmbeddedBroker();
    const local = inProcess(broker, t);
    await local.declareQueue('q');
    const { transport: sender } = overPort(broker, t);
    const sends = Array.from({ length: 50 }, (_, i) => sender.send('q', text(`m${i}`)));
    await within(sender.close(), WAIT_MS, 'close with sends in flight');
    await within(Promise.all(sends), WAIT_MS, 'every send made before close resolves');
    assert.equal((await local.queueStats('q')).ready, 50, 'and every one is stored');

    const { transport: held, server } = overPort(broker, t);
    const states: string[] = [];
    held.onState((state) => states.push(state));
    const inbox = new Inbox<Delivery>(WAIT_MS);
    await held.consume('q', inbox.put, { prefetch: 3 });
    for (let i = 0; i < 3; i++) await inbox.next(`held delivery ${i}`);
    server.disconnect();
    await eventually(() => held.state === 'closed', WAIT_MS, 'the client sees its broker end close');
    assert.deepEqual(states, ['closed'], 'listeners hear closed once');
    await rejectsWith(held.send('q', text('x')), 'CLOSED', 'send after the broker end closed');
    await within(held.close(), WAIT_MS, 'close after the broker end closed resolves');
    assert.deepEqual(await local.queueStats('q'), { ready: 50, unacked: 0, consumers: 0 }, 'the three held are back, the consumer gone');
  });
});
