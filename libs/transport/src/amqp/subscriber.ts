/**
 * One subscribe() call: on each session, a server-named, exclusive, auto-delete queue
 * bound to the topic's fanout exchange and consumed without acks, on a channel of its
 * own. Closing that channel cancels the consumer, and the broker deletes the queue.
 */
import type { Channel } from 'amqplib';
import type { Broadcast } from '../transport.js';
import { messageOf } from './errors.js';
import { bodyOf, headersOf } from './message.js';
import { PerSession } from './per-session.js';
import type { Session } from './session.js';
import { declareTopicOn, topicExchangeOf } from './topology.js';

export class Subscriber {
  #cancelled = false;
  readonly #started = new PerSession<Channel>();

  constructor(
    readonly topic: string,
    private readonly handler: (message: Broadcast) => void,
    private readonly log: (line: string) => void,
  ) {}

  get cancelled(): boolean {
    return this.#cancelled;
  }

  async ensureOn(session: Session): Promise<void> {
    if (!this.#cancelled) await this.#started.on(session, (s) => this.#start(s));
  }

  async cancel(): Promise<void> {
    this.#cancelled = true;
    const channel = await this.#started.take()?.value.catch(() => undefined);
    await channel?.close().catch(() => undefined);
  }

  async #start(session: Session): Promise<Channel> {
    const channel = await session.openChannel(`subscribe ${this.topic}`);
    try {
      await declareTopicOn(channel, this.topic);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await channel.bindQueue(queue, topicExchangeOf(this.topic), '');
      await channel.consume(queue, (message) => {
        if (message === null || this.#cancelled) return;
        const report = (error: unknown): void => this.log(`amqp: a subscriber of ${this.topic} threw: ${messageOf(error)}`);
        try {
          // The type says void, but an async handler's rejection must not go unhandled.
          const result: unknown = this.handler({ body: bodyOf(message.content), headers: headersOf(message.properties.headers) });
          if (result instanceof Promise) result.catch(report);
        } catch (error) {
          report(error);
        }
      }, { noAck: true });
      return channel;
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw session.failure(`subscribe ${this.topic}`, error);
    }
  }
}
