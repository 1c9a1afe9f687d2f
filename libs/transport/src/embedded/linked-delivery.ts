import type { Delivery, Headers } from '../transport.js';
import type { BrokerLink, DeliveredMessage, Settlement } from './broker-link.js';
import { EmbeddedTransportError } from './embedded-error.js';

/**
 * A Delivery settled through a BrokerLink. The first of ack/requeue/deadLetter settles
 * it; later calls do nothing (RabbitMQ would close the channel on a second ack: worse).
 * Once its transport has closed the broker has requeued it already, so ack and requeue
 * do nothing and deadLetter rejects.
 */
export class LinkedDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly headers: Headers;
  readonly redelivered: boolean;
  readonly #tag: number;
  #settled = false;

  constructor(
    message: DeliveredMessage,
    private readonly link: BrokerLink,
    private readonly isClosed: () => boolean,
  ) {
    this.body = message.body;
    this.headers = message.headers;
    this.redelivered = message.redelivered;
    this.#tag = message.tag;
  }

  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    this.#settle('ack');
  }

  requeue(): void {
    this.#settle('requeue');
  }

  deadLetter(reason: string): Promise<void> {
    if (this.#settled) return Promise.resolve();
    if (this.isClosed()) return Promise.reject(new EmbeddedTransportError('CLOSED', 'deadLetter after close: the message was requeued'));
    this.#settled = true;
    return this.link.deadLetter(this.#tag, reason);
  }

  #settle(settlement: Settlement): void {
    if (this.#settled) return;
    this.#settled = true;
    if (!this.isClosed()) this.link.settle(this.#tag, settlement);
  }
}

/** Runs a consumer's handler; if it throws or rejects, dead-letters its delivery unless settled. */
export function runHandler(handler: (delivery: Delivery) => void | Promise<void>, delivery: LinkedDelivery): void {
  const fail = (error: unknown): void => {
    if (delivery.settled) return;
    // A rejection here means the transport closed meanwhile: the broker requeued the message.
    delivery.deadLetter(error instanceof Error ? error.message : String(error)).catch(() => undefined);
  };
  try {
    const result = handler(delivery);
    Promise.resolve(result).then(undefined, fail);
  } catch (error) {
    fail(error);
  }
}
