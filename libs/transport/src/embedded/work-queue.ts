import type { Headers, QueueStats } from '../transport.js';
import { Deque } from './deque.js';

export interface StoredMessage {
  readonly body: Uint8Array;
  readonly headers: Headers;
  readonly redelivered: boolean;
}

/** A consumer as its queue sees it: credit (prefetch minus held) and where to deliver. */
export interface QueueConsumer {
  readonly prefetch: number;
  /** Unsettled deliveries this consumer holds. */
  held: number;
}

/** One queue's state: ready messages in order, consumers in round-robin order. */
export class WorkQueue<C extends QueueConsumer = QueueConsumer> {
  constructor(readonly name: string) {}

  readonly ready = new Deque<StoredMessage>();
  readonly consumers: C[] = [];
  /** Handed out (to consumers or by get) and not settled yet. */
  unacked = 0;
  #cursor = 0;

  /** The next consumer in turn with free prefetch; undefined when every one is full. */
  nextConsumer(): C | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#cursor + step) % count;
      const consumer = this.consumers[index];
      if (consumer !== undefined && consumer.held < consumer.prefetch) {
        this.#cursor = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  removeConsumer(consumer: C): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (this.#cursor > index) this.#cursor--;
    if (this.#cursor >= this.consumers.length) this.#cursor = 0;
  }

  stats(): QueueStats {
    return { ready: this.ready.length, unacked: this.unacked, consumers: this.consumers.length };
  }
}
