/**
 * The broker objects behind the Transport's queues and topics, and the record of what
 * this client declared, so a reconnection can declare it all again (the broker may have
 * restarted and lost whatever was not durable).
 */
import type { Channel } from 'amqplib';
import { deadLetterQueueOf } from '../transport.js';

/** The direct exchange dead letters go through; routing key = the queue they came from. */
export const DEAD_LETTER_EXCHANGE = 'pff.dlx';

/** The fanout exchange a topic's broadcasts go through. */
export function topicExchangeOf(topic: string): string {
  return `pff.topic.${topic}`;
}

/** A durable work queue whose rejected messages go to `<queue>.dlq` through pff.dlx. */
export async function declareQueueOn(channel: Channel, queue: string): Promise<void> {
  const deadLetters = deadLetterQueueOf(queue);
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
  await channel.assertQueue(deadLetters, { durable: true });
  await channel.bindQueue(deadLetters, DEAD_LETTER_EXCHANGE, queue);
  await channel.assertQueue(queue, { durable: true, deadLetterExchange: DEAD_LETTER_EXCHANGE, deadLetterRoutingKey: queue });
}

export async function deleteQueueOn(channel: Channel, queue: string): Promise<void> {
  await channel.deleteQueue(queue);
  await channel.deleteQueue(deadLetterQueueOf(queue));
}

/** Durable and never auto-deleted: a broadcast must not race the last subscriber's leaving. */
export async function declareTopicOn(channel: Channel, topic: string): Promise<void> {
  await channel.assertExchange(topicExchangeOf(topic), 'fanout', { durable: true });
}

/** What this client has declared, in the order to declare it again. */
export class Topology {
  readonly #queues = new Set<string>();
  readonly #topics = new Set<string>();

  addQueue(queue: string): void {
    this.#queues.add(queue);
  }

  removeQueue(queue: string): void {
    this.#queues.delete(queue);
  }

  addTopic(topic: string): void {
    this.#topics.add(topic);
  }

  removeTopic(topic: string): void {
    this.#topics.delete(topic);
  }

  hasTopic(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** Declares everything recorded so far on `channel`. */
  async redeclareOn(channel: Channel): Promise<void> {
    for (const queue of this.#queues) await declareQueueOn(channel, queue);
    for (const topic of this.#topics) await declareTopicOn(channel, topic);
  }
}
