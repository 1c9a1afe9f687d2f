/**
 * One consume() call: a channel of its own per session (so basic.qos is exactly this
 * consumer's prefetch, and a broker error on it harms no other consumer), manual acks,
 * and the handler-throws-means-dead-letter rule. Re-started on every new session until
 * cancelled.
 */
import type { ConsumeMessage } from 'amqplib';
import type { Delivery } from '../transport.js';
import { AmqpDelivery, type DeadLetterPublisher } from './delivery.js';
import { DeliveryChannel, type UnackedCounts } from './delivery-channel.js';
import { messageOf } from './errors.js';
import { PerSession } from './per-session.js';
import type { Session } from './session.js';

export interface ConsumerDeps {
  readonly unacked: UnackedCounts;
  readonly publishDeadLetter: DeadLetterPublisher;
  readonly log: (line: string) => void;
  /** Told when the broker cancelled this consumer (its queue was deleted). */
  readonly onBrokerCancel: (consumer: Consumer) => void;
}

interface Started {
  readonly via: DeliveryChannel;
  readonly consumerTag: string;
}

export class Consumer {
  #cancelled = false;
  #draining: DeliveryChannel | null = null;
  #drained: Promise<void> = Promise.resolve();
  readonly #started = new PerSession<Started>();

  constructor(
    readonly queue: string,
    private readonly handler: (delivery: Delivery) => void | Promise<void>,
    private readonly prefetch: number,
    private readonly deps: ConsumerDeps,
  ) {}

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Consumes on `session` (once per session; a cancelled consumer does nothing). */
  async ensureOn(session: Session): Promise<void> {
    if (!this.#cancelled) await this.#started.on(session, (s) => this.#start(s));
  }

  /** Stops deliveries; the channel stays open until what was handed out is settled. */
  async cancel(): Promise<void> {
    const started = await this.#stop();
    if (started) {
      this.#draining = started.via;
      this.#drained = started.via.whenIdle().then(() => started.via.close());
    }
  }

  /** Resolves once a cancelled consumer's channel has closed (its settlements reached the broker). */
  drained(): Promise<void> {
    return this.#drained;
  }

  /**
   * Stops deliveries and closes the channel now: unsettled deliveries go back to the
   * queue. Closing the channel (a round trip on it) also makes sure the acks sent on it
   * before reach the broker ahead of the connection's close.
   */
  async close(): Promise<void> {
    const started = await this.#stop();
    await (started?.via ?? this.#draining)?.close();
  }

  async #stop(): Promise<Started | undefined> {
    this.#cancelled = true;
    const current = this.#started.take();
    const started = await current?.value.catch(() => undefined);
    if (!started?.via.open) return undefined;
    await started.via.channel.cancel(started.consumerTag).catch((error: unknown) => this.deps.log(`amqp: cancelling the consumer of ${this.queue}: ${messageOf(error)}`));
    return started;
  }

  async #start(session: Session): Promise<Started> {
    const via = new DeliveryChannel(await session.openChannel(`consume ${this.queue}`), this.deps.unacked, this.deps.log);
    try {
      await via.channel.prefetch(this.prefetch);
      const { consumerTag } = await via.channel.consume(this.queue, (message) => this.#receive(via, message), { noAck: false });
      return { via, consumerTag };
    } catch (error) {
      await via.close();
      throw session.failure(`consume ${this.queue}`, error);
    }
  }

  #receive(via: DeliveryChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.deps.log(`amqp: the broker cancelled the consumer of ${this.queue} (queue deleted?)`);
      this.#cancelled = true;
      this.#started.take();
      this.deps.onBrokerCancel(this);
      void via.whenIdle().then(() => via.close());
      return;
    }
    void this.#handle(new AmqpDelivery(message, this.queue, via, this.deps.publishDeadLetter));
  }

  async #handle(delivery: AmqpDelivery): Promise<void> {
    try {
      await this.handler(delivery);
    } catch (error) {
      if (delivery.settled) return;
      await delivery.deadLetter(messageOf(error)).catch((failure: unknown) => this.deps.log(`amqp: dead-lettering a message of ${this.queue} after its handler threw: ${messageOf(failure)}`));
    }
  }
}
