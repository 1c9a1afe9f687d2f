/**
 * withChunking over both transports: the whole conformance suite with a small maxBytes
 * (so its 5 MiB test goes in 80 parts), then what only the decorator promises.
 */
import { after, describe } from 'node:test';
import { createAmqpTransport, createEmbeddedTransport, EmbeddedBroker, withChunking, type Transport } from '../src/index.js';
import { topicExchangeOf } from '../src/amqp/topology.js';
import { BROKER_URL, exchangesStartingWith, rawConnection } from './amqp/broker-control.js';
import { chunkingBroadcastTests } from './chunking-broadcasts.js';
import { chunkingBrokenPointerTests } from './chunking-broken-pointers.js';
import { chunkingLatePartsTests } from './chunking-late-parts.js';
import { chunkingReconnectTests, chunkingSenderTests } from './chunking-senders.js';
import { chunkingWorkQueueTests } from './chunking-work-queues.js';
import { runConformance } from './conformance.js';
import { settingsOf, TEST_NAME_PREFIX } from './conformance/harness.js';

const SMALL = { maxBytes: 64 * 1024 };
const broker = new EmbeddedBroker();
const embedded = (): Transport => createEmbeddedTransport(broker);
const amqp = (): Promise<Transport> => createAmqpTransport({ url: BROKER_URL });

runConformance('embedded chunked', () => Promise.resolve(withChunking(embedded(), SMALL)));
runConformance('amqp chunked', async () => withChunking(await amqp(), SMALL));

const settings = settingsOf();
for (const [name, makeInner] of [['embedded', () => Promise.resolve(embedded())], ['amqp', amqp]] as const) {
  describe(`withChunking over ${name}`, () => {
    describe('work queues', () => chunkingWorkQueueTests(makeInner, settings));
    describe('broken pointers', () => chunkingBrokenPointerTests(makeInner, settings));
    describe('late parts', () => chunkingLatePartsTests(makeInner, settings));
    describe('broadcasts', () => chunkingBroadcastTests(makeInner, settings));
    describe('senders', () => chunkingSenderTests(makeInner, settings));
  });
}
describe('withChunking over amqp, reconnecting', () => chunkingReconnectTests(settings));

// Topic exchanges outlive their subscribers by design; delete the ones this run made.
after(async () => {
  const raw = await rawConnection();
  const channel = await raw.createChannel();
  for (const exchange of await exchangesStartingWith(topicExchangeOf(TEST_NAME_PREFIX))) await channel.deleteExchange(exchange);
  await raw.close();
});
