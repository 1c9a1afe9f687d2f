/** The broker's own dead-lettering (reject without requeue), and how queues are declared. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAmqpTransport, deadLetterQueueOf, REASON_HEADER } from '../../src/index.js';
import { text, textOf } from '../conformance/bytes.js';
import { eventuallyValue, scopeOf, type Settings } from '../conformance/harness.js';
import { BROKER_URL, queueDefinition, rawConnection } from './broker-control.js';

export function deadLetterTests(settings: Settings): void {
  const timeout = settings.testTimeoutMs;
  const make = () => createAmqpTransport({ url: BROKER_URL });

  it('queues are durable with x-dead-letter-exchange pff.dlx; messages are persistent', { timeout }, async (t) => {
    const scope = scopeOf(t, make, settings);
    const transport = await scope.transport();
    const queue = await scope.queue();
    const definition = await queueDefinition(queue);
    assert.equal(definition?.durable, true, 'the work queue is durable');
    assert.equal(definition.arguments.get('x-dead-letter-exchange'), 'pff.dlx', 'the work queue dead-letters through pff.dlx');
    assert.equal(definition.arguments.get('x-dead-letter-routing-key'), queue, 'with the queue\'s own name as routing key');
    assert.equal((await queueDefinition(deadLetterQueueOf(queue)))?.durable, true, 'the dead-letter queue is durable');
    await transport.send(queue, text('persistent'));
    const raw = await rawConnection();
    t.after(() => raw.close());
    const channel = await raw.createChannel();
    const message = await channel.get(queue, { noAck: true });
    assert.ok(message, 'the raw channel gets the message');
    assert.equal(message.properties.deliveryMode, 2, 'messages are sent persistent (delivery mode 2)');
  });

  it('a message the broker dead-letters (nack without requeue) lands in <queue>.dlq', { timeout }, async (t) => {
    const scope = scopeOf(t, make, settings);
    const transport = await scope.transport();
    const queue = await scope.queue();
    await transport.send(queue, text('refused'), { 'x-test': 'kept' });
    const raw = await rawConnection();
    t.after(() => raw.close());
    const channel = await raw.createChannel();
    const message = await channel.get(queue, { noAck: false });
    assert.ok(message, 'the raw channel gets the message');
    channel.nack(message, false, false);
    const found = await eventuallyValue(() => transport.get(deadLetterQueueOf(queue)), settings.waitMs, 'the rejected message is on the dlq');
    assert.equal(textOf(found.body), 'refused', 'the body is unchanged');
    assert.equal(found.headers['x-test'], 'kept', 'its headers are kept');
    assert.equal(found.headers['x-first-death-reason'], 'rejected', 'the broker says why');
    assert.equal(found.headers['x-first-death-queue'], queue, 'the broker says where from');
    assert.equal(found.headers[REASON_HEADER], undefined, 'no pff reason: the transport did not dead-letter it');
    found.ack();
  });
}
