import type { Broadcast, Headers, QueueStats } from '../transport.js';
import type { BrokerLink, DeliveredMessage, Settlement } from './broker-link.js';
import { EmbeddedTransportError } from './embedded-error.js';
import { QueueRegistry, type Consumer, type Holder } from './queue-registry.js';
import { Topics } from './topics.js';

/** Runs a push to a client: at once, or later (so that no handler runs inside a broker call). */
export type PushScheduler = (push: () => void) => void;

const immediately: PushScheduler = (push) => push();

/**
 * A message broker inside this process, for one machine with no broker process: work
 * queues with dead-letter queues, competing consumers, fanout topics. It lives in the
 * main thread; the scheduler there uses it through createEmbeddedTransport, worker
 * threads through serveBrokerPort + createPortTransport. Queues last as long as the
 * broker object.
 */
export class EmbeddedBroker {
  readonly #queues = new QueueRegistry();
  readonly #topics = new Topics();

  /**
   * A new client. Its `disconnect()` requeues (redelivered) every delivery it has not
   * settled and drops its consumers and subscriptions, as when a RabbitMQ connection dies.
   */
  connect(schedule: PushScheduler = immediately): BrokerLink {
    return new BrokerSession(this.#queues, this.#topics, schedule);
  }
}

class BrokerSession implements BrokerLink {
  readonly #holder: Holder = { tags: new Set() };
  readonly #consumers = new Map<number, Consumer>();
  readonly #subscriptions = new Map<number, { readonly topic: string; readonly key: object }>();
  #nextId = 1;
  #connected = true;

  constructor(
    private readonly queues: QueueRegistry,
    private readonly topics: Topics,
    private readonly schedule: PushScheduler,
  ) {}

  declareQueue(queue: string): Promise<void> {
    return this.#attempt((queues) => queues.declare(queue));
  }

  deleteQueue(queue: string): Promise<void> {
    return this.#attempt((queues) => queues.delete(queue));
  }

  send(queue: string, body: Uint8Array, headers: Headers): Promise<void> {
    return this.#attempt((queues) => queues.store(queue, { body, headers: Object.freeze({ ...headers }), redelivered: false }));
  }

  consume(queue: string, prefetch: number, push: (message: DeliveredMessage) => void): Promise<number> {
    return this.#attempt((queues) => {
      const consumer = queues.addConsumer(queue, this.#holder, prefetch, (message) => this.schedule(() => push(message)));
      const id = this.#nextId++;
      this.#consumers.set(id, consumer);
      return id;
    });
  }

  get(queue: string): Promise<DeliveredMessage | null> {
    return this.#attempt((queues) => queues.get(queue, this.#holder));
  }

  settle(tag: number, settlement: Settlement): void {
    this.queues.settle(tag, this.#holder, settlement);
  }

  deadLetter(tag: number, reason: string): Promise<void> {
    return this.#attempt((queues) => queues.settle(tag, this.#holder, { deadLetter: reason }));
  }

  broadcast(topic: string, body: Uint8Array, headers: Headers): Promise<void> {
    return this.#attempt(() => this.topics.publish(topic, { body, headers: Object.freeze({ ...headers }) }));
  }

  subscribe(topic: string, push: (message: Broadcast) => void): Promise<number> {
    return this.#attempt(() => {
      const id = this.#nextId++;
      const key = {};
      this.topics.subscribe(topic, key, (message) => this.schedule(() => push(message)));
      this.#subscriptions.set(id, { topic, key });
      return id;
    });
  }

  cancel(id: number): Promise<void> {
    this.#cancel(id);
    return Promise.resolve();
  }

  queueStats(queue: string): Promise<QueueStats> {
    return this.#attempt((queues) => queues.stats(queue));
  }

  disconnect(): Promise<void> {
    if (this.#connected) {
      this.#connected = false;
      for (const id of [...this.#consumers.keys(), ...this.#subscriptions.keys()]) this.#cancel(id);
      this.queues.release(this.#holder);
    }
    return Promise.resolve();
  }

  #cancel(id: number): void {
    const consumer = this.#consumers.get(id);
    if (consumer !== undefined) this.queues.removeConsumer(consumer);
    const subscription = this.#subscriptions.get(id);
    if (subscription !== undefined) this.topics.unsubscribe(subscription.topic, subscription.key);
    this.#consumers.delete(id);
    this.#subscriptions.delete(id);
  }

  /** Runs `operation` now, on an open session; its result or throw becomes the promise's. */
  #attempt<T>(operation: (queues: QueueRegistry) => T): Promise<T> {
    return new Promise((resolve) => {
      if (!this.#connected) throw new EmbeddedTransportError('CLOSED', 'this broker client has disconnected');
      resolve(operation(this.queues));
    });
  }
}
