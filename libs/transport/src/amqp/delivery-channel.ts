/**
 * A channel that deliveries are settled on, and the per-queue count of deliveries this
 * client holds unsettled (RabbitMQ's queue.declare reports only the ready count).
 * Once the channel has closed, settling is a silent no-op: the broker has already put
 * those messages back and will redeliver them.
 */
import type { Channel } from 'amqplib';
import { messageOf } from './errors.js';

/** Unsettled deliveries per queue, over every channel of this client. */
export class UnackedCounts {
  readonly #counts = new Map<string, number>();

  add(queue: string, delta: number): void {
    const next = (this.#counts.get(queue) ?? 0) + delta;
    if (next === 0) this.#counts.delete(queue);
    else this.#counts.set(queue, next);
  }

  of(queue: string): number {
    return this.#counts.get(queue) ?? 0;
  }
}

export class DeliveryChannel {
  #open = true;
  #closing: Promise<void> | null = null;
  readonly #unsettled = new Map<string, number>();
  #total = 0;
  readonly #idle = new Set<() => void>();

  constructor(
    readonly channel: Channel,
    private readonly counts: UnackedCounts,
    private readonly log: (line: string) => void,
  ) {
    channel.on('close', () => {
      this.#open = false;
      for (const [queue, n] of this.#unsettled) counts.add(queue, -n);
      this.#unsettled.clear();
      this.#total = 0;
      this.#fireIdle();
    });
  }

  get open(): boolean {
    return this.#open;
  }

  /** Records a message taken from `queue` on this channel and not yet settled. */
  handedOut(queue: string): void {
    this.#unsettled.set(queue, (this.#unsettled.get(queue) ?? 0) + 1);
    this.#total += 1;
    this.counts.add(queue, 1);
  }

  /** Settles one delivery from `queue` with `act` (ack or nack), unless the channel is gone. */
  settle(queue: string, act: (channel: Channel) => void): void {
    if (!this.#open) return;
    this.#unsettled.set(queue, (this.#unsettled.get(queue) ?? 1) - 1);
    this.#total -= 1;
    this.counts.add(queue, -1);
    try {
      act(this.channel);
    } catch (error) {
      this.log(`amqp: settling a delivery from ${queue}: ${messageOf(error)}`);
    }
    if (this.#total === 0) this.#fireIdle();
  }

  /** Resolves when nothing taken on this channel is unsettled (or the channel has closed). */
  whenIdle(): Promise<void> {
    if (this.#total === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /**
   * Closes the channel once, however many callers ask; each waits for the broker's
   * close-ok, which comes after every ack sent before on this channel.
   */
  close(): Promise<void> {
    if (!this.#open) return Promise.resolve();
    this.#closing ??= this.channel.close().catch(() => undefined);
    return this.#closing;
  }

  #fireIdle(): void {
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }
}
