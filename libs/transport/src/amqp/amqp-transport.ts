/**
 * The Transport over RabbitMQ (amqplib). Publishing goes through one confirm channel
 * (send resolves on the broker's confirm); each consumer and subscriber has a channel of
 * its own; admin operations (declare, delete, stats) use a short-lived channel each, so
 * a broker error on one harms nothing else. Connection loss is handled by Link: every
 * operation waits for the next connection and is then retried (at-least-once).
 */
import { connect as amqpConnect, type ChannelModel, type Message } from 'amqplib';
import { ORIGIN_HEADER, REASON_HEADER, type Subscription, type Transport } from '../transport.js';
import { Consumer } from './consumer.js';
import { AmqpDelivery } from './delivery.js';
import { DeliveryChannel, UnackedCounts } from './delivery-channel.js';
import { TransportClosedError } from './errors.js';
import { Getter } from './getter.js';
import { Link } from './link.js';
import { closeAll } from './shutdown.js';
import { bufferOf } from './message.js';
import { checkPrefetch, resolveOptions, type AmqpTransportOptions } from './options.js';
import { publishConfirmed } from './publisher.js';
import { restoreOn } from './restore.js';
import { Subscriber } from './subscriber.js';
import { DEAD_LETTER_EXCHANGE, declareQueueOn, declareTopicOn, deleteQueueOn, topicExchangeOf, Topology } from './topology.js';

export interface AmqpTransportDeps {
  /** How to open a connection; amqplib's connect unless a test wants otherwise. */
  readonly connect: (url: string) => Promise<ChannelModel>;
}

/**
 * Connects to RabbitMQ (rejecting if it cannot, once) and returns the Transport.
 * `queueStats(q).unacked` counts the deliveries of `q` that THIS transport holds
 * unsettled (RabbitMQ reports unacked counts only through its management API).
 */
export async function createAmqpTransport(options: AmqpTransportOptions, given?: AmqpTransportDeps): Promise<Transport> {
  const settings = resolveOptions(options);
  // amqplib's socket timeout covers connecting and the handshake; it is lifted once open.
  const deps = given ?? { connect: (url: string) => amqpConnect(url, { noDelay: true, timeout: settings.connectTimeoutMs }) };
  const { log } = settings;
  const topology = new Topology();
  const unacked = new UnackedCounts();
  const consumers = new Set<Consumer>();
  const subscribers = new Set<Subscriber>();
  const link = await Link.open({ connect: deps.connect, options: settings, restore: (session) => restoreOn(session, { topology, consumers, subscribers, log }) });
  const getter = new Getter(async (session) => new DeliveryChannel(await session.openChannel('get'), unacked, log));
  let closing: Promise<void> | undefined;

  const publishDeadLetter = (queue: string, message: Message, reason: string): Promise<void> =>
    link.run(`dead-letter from ${queue}`, (session) => publishConfirmed(session, {
      exchange: DEAD_LETTER_EXCHANGE,
      routingKey: queue,
      content: message.content,
      headers: { ...(message.properties.headers as Record<string, unknown> | undefined), [REASON_HEADER]: reason, [ORIGIN_HEADER]: queue },
    }));
  const consumerDeps = { unacked, publishDeadLetter, log, onBrokerCancel: (consumer: Consumer) => consumers.delete(consumer) };
  const guard = (operation: string): void => {
    if (closing) throw new TransportClosedError(operation);
  };

  return {
    kind: 'amqp',
    get state() {
      return link.state;
    },
    onState: (listener) => link.onState(listener),

    async declareQueue(queue) {
      guard('declareQueue');
      await link.run(`declare ${queue}`, (session) => session.withChannel(`declare ${queue}`, (channel) => declareQueueOn(channel, queue)));
      topology.addQueue(queue);
    },

    async deleteQueue(queue) {
      guard('deleteQueue');
      topology.removeQueue(queue);
      await link.run(`delete ${queue}`, (session) => session.withChannel(`delete ${queue}`, (channel) => deleteQueueOn(channel, queue)));
    },

    async deleteTopic(topic) {
      guard('deleteTopic');
      topology.removeTopic(topic);
      await link.run(`delete topic ${topic}`, (session) =>
        session.withChannel(`delete topic ${topic}`, async (channel) => {
          await channel.deleteExchange(topicExchangeOf(topic));
        }),
      );
    },

    async send(queue, body, headers = {}) {
      guard('send');
      const content = bufferOf(body);
      await link.run(`send to ${queue}`, (session) => publishConfirmed(session, { exchange: '', routingKey: queue, content, headers, persistent: settings.persistent }));
    },

    async consume(queue, handler, consumeOptions) {
      guard('consume');
      const consumer = new Consumer(queue, handler, checkPrefetch(consumeOptions?.prefetch ?? settings.prefetchDefault), consumerDeps);
      return register(link, consumers, consumer, `consume ${queue}`);
    },

    async get(queue) {
      guard('get');
      return link.run(`get from ${queue}`, async (session) => {
        const via = await getter.channelOn(session);
        const message = await via.channel.get(queue, { noAck: false }).catch((error: unknown) => { throw session.failure(`get from ${queue}`, error); });
        return message === false ? null : new AmqpDelivery(message, queue, via, publishDeadLetter);
      });
    },

    async broadcast(topic, body, headers = {}) {
      guard('broadcast');
      const content = bufferOf(body);
      await link.run(`broadcast to ${topic}`, async (session) => {
        if (!topology.hasTopic(topic)) {
          await session.withChannel(`declare topic ${topic}`, (channel) => declareTopicOn(channel, topic));
          topology.addTopic(topic);
        }
        await publishConfirmed(session, { exchange: topicExchangeOf(topic), routingKey: '', content, headers }).catch((error: unknown) => {
          // Its exchange may have been deleted behind our back (404): declare it again next time.
          topology.removeTopic(topic);
          throw error;
        });
      });
    },

    async subscribe(topic, handler) {
      guard('subscribe');
      const subscription = await register(link, subscribers, new Subscriber(topic, handler, log), `subscribe ${topic}`);
      topology.addTopic(topic);
      return subscription;
    },

    async queueStats(queue) {
      guard('queueStats');
      const reply = await link.run(`stats of ${queue}`, (session) => session.withChannel(`check ${queue}`, (channel) => channel.checkQueue(queue)));
      return { ready: reply.messageCount, unacked: unacked.of(queue), consumers: reply.consumerCount };
    },

    close() {
      closing ??= closeAll({ link, consumers, subscribers, log });
      return closing;
    },
  };
}

/**
 * Starts `item` and keeps it in `live` (so reconnections restart it) until cancelled;
 * if it cannot start, it is forgotten and the error thrown.
 */
async function register<T extends Consumer | Subscriber>(link: Link, live: Set<T>, item: T, operation: string): Promise<Subscription> {
  live.add(item);
  try {
    await link.run(operation, (session) => item.ensureOn(session));
  } catch (error) {
    live.delete(item);
    await item.cancel();
    throw error;
  }
  return {
    cancel: async () => {
      await item.cancel();
      // A cancelled consumer stays known until its channel closes, so close() can still
      // close that channel (flushing its acks) before the connection.
      if (item instanceof Consumer) void item.drained().then(() => live.delete(item));
      else live.delete(item);
    },
  };
}
