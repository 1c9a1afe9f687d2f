import { deadLetterQueueOf, ORIGIN_HEADER, REASON_HEADER, type QueueStats } from '../transport.js';
import type { DeliveredMessage } from './broker-link.js';
import { EmbeddedTransportError } from './embedded-error.js';
import { WorkQueue, type QueueConsumer, type StoredMessage } from './work-queue.js';

/** A client as the queues know it: the delivery tags it holds, to requeue when it goes. */
export interface Holder {
  readonly tags: Set<number>;
}

export interface Consumer extends QueueConsumer {
  readonly queue: WorkQueue<Consumer>;
  readonly holder: Holder;
  readonly push: (message: DeliveredMessage) => void;
}

interface Unsettled {
  readonly queue: WorkQueue<Consumer>;
  readonly message: StoredMessage;
  readonly holder: Holder;
  readonly consumer: Consumer | undefined;
}

export type Outcome = 'ack' | 'requeue' | { readonly deadLetter: string };

/**
 * The queues, their dead-letter queues and every unsettled delivery, for the life of
 * the process. Dispatch is synchronous: a consumer's `push` must not call back in.
 */
export class QueueRegistry {
  readonly #queues = new Map<string, WorkQueue<Consumer>>();
  readonly #unsettled = new Map<number, Unsettled>();
  #nextTag = 1;

  declare(name: string): void {
    for (const each of [name, deadLetterQueueOf(name)]) this.#declareOne(each);
  }

  /** Deletes the queue and its dead-letter queue; their deliveries still out settle as no-ops. */
  delete(name: string): void {
    for (const each of [name, deadLetterQueueOf(name)]) {
      this.#queues.get(each)?.consumers.splice(0);
      this.#queues.delete(each);
    }
  }

  store(name: string, message: StoredMessage): void {
    const queue = this.#existing(name);
    queue.ready.push(message);
    this.#dispatch(queue);
  }

  addConsumer(name: string, holder: Holder, prefetch: number, push: (message: DeliveredMessage) => void): Consumer {
    const queue = this.#existing(name);
    const consumer: Consumer = { queue, holder, prefetch, push, held: 0 };
    queue.consumers.push(consumer);
    this.#dispatch(queue);
    return consumer;
  }

  removeConsumer(consumer: Consumer): void {
    consumer.queue.removeConsumer(consumer);
  }

  get(name: string, holder: Holder): DeliveredMessage | null {
    const queue = this.#existing(name);
    const message = queue.ready.shift();
    return message === undefined ? null : this.#handOut(queue, message, holder, undefined);
  }

  /** Settles `tag` if `holder` holds it; otherwise (settled already, or not its) does nothing. */
  settle(tag: number, holder: Holder, outcome: Outcome): void {
    const unsettled = this.#take(tag, holder);
    if (unsettled === undefined || !this.#isLive(unsettled.queue)) return;
    const { queue, message } = unsettled;
    if (outcome === 'requeue') queue.ready.unshift({ ...message, redelivered: true });
    else if (outcome !== 'ack') {
      const headers = { ...message.headers, [REASON_HEADER]: outcome.deadLetter, [ORIGIN_HEADER]: queue.name };
      const deadLetters = this.#declareOne(deadLetterQueueOf(queue.name));
      deadLetters.ready.push({ body: message.body, headers: Object.freeze(headers), redelivered: false });
      this.#dispatch(deadLetters);
    }
    this.#dispatch(queue);
  }

  /** Requeues (redelivered) everything `holder` holds, in the order it was handed out. */
  release(holder: Holder): void {
    const touched = new Set<WorkQueue<Consumer>>();
    for (const tag of [...holder.tags].sort((a, b) => b - a)) {
      const unsettled = this.#take(tag, holder);
      if (unsettled === undefined || !this.#isLive(unsettled.queue)) continue;
      unsettled.queue.ready.unshift({ ...unsettled.message, redelivered: true });
      touched.add(unsettled.queue);
    }
    for (const queue of touched) this.#dispatch(queue);
  }

  stats(name: string): QueueStats {
    return this.#existing(name).stats();
  }

  #declareOne(name: string): WorkQueue<Consumer> {
    let queue = this.#queues.get(name);
    if (queue === undefined) this.#queues.set(name, (queue = new WorkQueue<Consumer>(name)));
    return queue;
  }

  #existing(name: string): WorkQueue<Consumer> {
    const queue = this.#queues.get(name);
    if (queue === undefined) throw new EmbeddedTransportError('QUEUE_NOT_FOUND', `no queue ${name}: declare it first`);
    return queue;
  }

  #isLive(queue: WorkQueue<Consumer>): boolean {
    return this.#queues.get(queue.name) === queue;
  }

  #dispatch(queue: WorkQueue<Consumer>): void {
    while (queue.ready.length > 0) {
      const consumer = queue.nextConsumer();
      const message = consumer && queue.ready.shift();
      if (consumer === undefined || message === undefined) return;
      consumer.push(this.#handOut(queue, message, consumer.holder, consumer));
    }
  }

  #handOut(queue: WorkQueue<Consumer>, message: StoredMessage, holder: Holder, consumer: Consumer | undefined): DeliveredMessage {
    const tag = this.#nextTag++;
    this.#unsettled.set(tag, { queue, message, holder, consumer });
    holder.tags.add(tag);
    queue.unacked++;
    if (consumer) consumer.held++;
    return { tag, body: message.body, headers: message.headers, redelivered: message.redelivered };
  }

  #take(tag: number, holder: Holder): Unsettled | undefined {
    const unsettled = this.#unsettled.get(tag);
    if (unsettled === undefined || unsettled.holder !== holder) return undefined;
    this.#unsettled.delete(tag);
    holder.tags.delete(tag);
    unsettled.queue.unacked--;
    if (unsettled.consumer) unsettled.consumer.held--;
    return unsettled;
  }
}
