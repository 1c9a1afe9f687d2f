/** A Delivery over an amqplib message: settled at most once, on the channel it came from. */
import type { Message } from 'amqplib';
import type { Delivery, Headers } from '../transport.js';
import type { DeliveryChannel } from './delivery-channel.js';
import { bodyOf, headersOf } from './message.js';

/** Publishes a dead-letter copy of `message` (taken from `queue`) and resolves once it is confirmed. */
export type DeadLetterPublisher = (queue: string, message: Message, reason: string) => Promise<void>;

export class AmqpDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly headers: Headers;
  readonly redelivered: boolean;
  #settled = false;

  constructor(
    private readonly message: Message,
    private readonly queue: string,
    private readonly via: DeliveryChannel,
    private readonly publishDeadLetter: DeadLetterPublisher,
  ) {
    this.body = bodyOf(message.content);
    this.headers = headersOf(message.properties.headers);
    this.redelivered = message.fields.redelivered;
    via.handedOut(queue);
  }

  /** Whether ack, requeue or deadLetter has been called (a second call does nothing). */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#claim()) this.via.settle(this.queue, (channel) => channel.ack(this.message));
  }

  requeue(): void {
    if (this.#claim()) this.via.settle(this.queue, (channel) => channel.nack(this.message, false, true));
  }

  /**
   * Publishes the copy to pff.dlx, waits for its confirm, then acks the original. If the
   * channel died first, nothing is published: the broker redelivers the original anyway.
   * If publishing fails, the original is requeued and the error is thrown.
   */
  async deadLetter(reason: string): Promise<void> {
    if (!this.#claim() || !this.via.open) return;
    try {
      await this.publishDeadLetter(this.queue, this.message, reason);
    } catch (error) {
      this.via.settle(this.queue, (channel) => channel.nack(this.message, false, true));
      throw error;
    }
    this.via.settle(this.queue, (channel) => channel.ack(this.message));
  }

  #claim(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
