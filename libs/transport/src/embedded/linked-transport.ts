import type { Broadcast, ConsumeOptions, Delivery, Headers, QueueStats, Subscription, Transport, TransportState } from '../transport.js';
import type { BrokerLink } from './broker-link.js';
import { EmbeddedTransportError } from './embedded-error.js';
import { LinkedDelivery, runHandler } from './linked-delivery.js';
import { ownedBody } from './owned-body.js';

export interface EmbeddedTransportOptions {
  /**
   * Who owns a body after `send` or `broadcast`. Default false: the transport copies it
   * (on the sending thread) and the caller's bytes stay intact, as with RabbitMQ. True:
   * the transport takes a body that is the whole of its ArrayBuffer without copying; over
   * a MessagePort that buffer is transferred, and the caller's view is left detached
   * (length 0). For a sender that encodes every message afresh and never reuses it.
   */
  readonly takeBodies?: boolean;
}

/**
 * The Transport semantics over any BrokerLink, written once for the in-process and the
 * MessagePort client: delivery objects, failing handlers, state and close. The embedded
 * transports are never 'reconnecting' or 'blocked': they go from 'connected' to 'closed'.
 */
export class LinkedTransport implements Transport {
  readonly kind = 'embedded';
  readonly #listeners = new Set<(state: TransportState) => void>();
  readonly #take: boolean;
  #state: TransportState = 'connected';
  /** Set when close() starts or the link is lost: stop intake, reject new operations. */
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(
    private readonly link: BrokerLink,
    options: EmbeddedTransportOptions = {},
  ) {
    this.#take = options.takeBodies ?? false;
    link.onLost?.(() => {
      this.#closing = true;
      this.#closed ??= Promise.resolve();
      this.#setState('closed');
    });
  }

  get state(): TransportState {
    return this.#state;
  }

  declareQueue(queue: string): Promise<void> {
    return this.#open(() => this.link.declareQueue(queue));
  }

  deleteQueue(queue: string): Promise<void> {
    return this.#open(() => this.link.deleteQueue(queue));
  }

  /** Topics keep nothing between broadcasts here. */
  deleteTopic(): Promise<void> {
    return this.#open(() => Promise.resolve());
  }

  send(queue: string, body: Uint8Array, headers: Headers = {}): Promise<void> {
    return this.#open(() => this.link.send(queue, ownedBody(body, this.#take), headers));
  }

  consume(queue: string, handler: (delivery: Delivery) => void | Promise<void>, options: ConsumeOptions): Promise<Subscription> {
    return this.#open(async () => {
      const { prefetch } = options;
      if (!Number.isInteger(prefetch) || prefetch < 1) {
        throw new EmbeddedTransportError('BAD_OPTION', `prefetch must be a whole number >= 1, not ${prefetch}`);
      }
      const id = await this.link.consume(queue, prefetch, (message) => {
        // After close the broker has taken the message back (or is about to): not ours to handle.
        if (!this.#closing) runHandler(handler, new LinkedDelivery(message, this.link, () => this.#closing));
      });
      return this.#subscription(id);
    });
  }

  get(queue: string): Promise<Delivery | null> {
    return this.#open(async () => {
      const message = await this.link.get(queue);
      return message && new LinkedDelivery(message, this.link, () => this.#closing);
    });
  }

  broadcast(topic: string, body: Uint8Array, headers: Headers = {}): Promise<void> {
    return this.#open(() => this.link.broadcast(topic, ownedBody(body, this.#take), headers));
  }

  subscribe(topic: string, handler: (message: Broadcast) => void): Promise<Subscription> {
    return this.#open(async () => {
      const id = await this.link.subscribe(topic, (message) => {
        if (!this.#closing) handler(message);
      });
      return this.#subscription(id);
    });
  }

  queueStats(queue: string): Promise<QueueStats> {
    return this.#open(() => this.link.queueStats(queue));
  }

  onState(listener: (state: TransportState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Idempotent: stops intake, then the broker requeues what this client holds; then 'closed'. */
  close(): Promise<void> {
    return (this.#closed ??= this.#shutdown());
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    try {
      await this.link.disconnect();
    } catch {
      // The broker's end is gone already; it requeued this client's deliveries when it noticed.
    } finally {
      this.#setState('closed');
    }
  }

  #subscription(id: number): Subscription {
    let cancelled: Promise<void> | undefined;
    return { cancel: () => (cancelled ??= this.#closing ? Promise.resolve() : this.link.cancel(id)) };
  }

  #open<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new EmbeddedTransportError('CLOSED', 'the transport is closed'));
    return operation();
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }
}
