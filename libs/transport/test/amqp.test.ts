/** The RabbitMQ transport against the real broker: the conformance suite, then what only AMQP has. */
import { after, describe } from 'node:test';
import { createAmqpTransport } from '../src/index.js';
import { BROKER_URL, exchangesStartingWith, rawConnection } from './amqp/broker-control.js';
import { deadLetterTests } from './amqp/dead-letter.js';
import { reconnectTests } from './amqp/reconnect.js';
import { runConformance } from './conformance.js';
import { settingsOf, TEST_NAME_PREFIX } from './conformance/harness.js';
import { topicExchangeOf } from '../src/amqp/topology.js';

runConformance('amqp', () => createAmqpTransport({ url: BROKER_URL }));

describe('amqp transport only', () => {
  const settings = settingsOf();
  describe('connection loss and flow control', () => reconnectTests(settings));
  describe('broker dead-lettering and declarations', () => deadLetterTests(settings));
});

// Topic exchanges outlive their subscribers by design; delete the ones this run made.
after(async () => {
  const raw = await rawConnection();
  const channel = await raw.createChannel();
  for (const exchange of await exchangesStartingWith(topicExchangeOf(TEST_NAME_PREFIX))) await channel.deleteExchange(exchange);
  await raw.close();
});
