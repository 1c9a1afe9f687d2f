/**
 * A large message rebuilt from its pointer and parts, settled as one: the handler never
 * learns it was split. Settling it settles the pointer and every part it was built from.
 */
import type { Delivery, Headers } from '../transport.js';
import { withoutReserved } from './reserved-headers.js';

export class ChunkedDelivery implements Delivery {
  readonly headers: Headers;
  readonly redelivered: boolean;
  #settled = false;

  constructor(
    readonly body: Uint8Array,
    private readonly pointer: Delivery,
    private readonly parts: readonly Delivery[],
    /** Deletes the side queue (in the background: ack() cannot wait). */
    private readonly deleteSideQueue: () => void,
  ) {
    this.headers = withoutReserved(pointer.headers);
    this.redelivered = pointer.redelivered;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Acks the parts and the pointer, then deletes the side queue. In that order: were the
   * side queue deleted first and the pointer then redelivered (a crash in between), the
   * message would be lost; this way a crash leaves at most an empty side queue.
   */
  ack(): void {
    if (!this.#claim()) return;
    for (const part of this.parts) part.ack();
    this.pointer.ack();
    this.deleteSideQueue();
  }

  /** Parts back to the side queue, the pointer back to its queue: whoever takes the pointer next finds them. */
  requeue(): void {
    if (this.#claim()) requeueAll(this.pointer, this.parts);
  }

  /**
   * Dead-letters the pointer with the reason, and puts the parts back in the side queue,
   * which stays: the dead-letter queue then holds the whole message, as it would an
   * unsplit one, and `get` on it through withChunking rebuilds it (to inspect or to send
   * again). Acking it there deletes the side queue; so does deleteQueue of the work queue.
   */
  async deadLetter(reason: string): Promise<void> {
    if (!this.#claim()) return;
    for (const part of this.parts) part.requeue();
    await this.pointer.deadLetter(reason);
  }

  #claim(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}

export function requeueAll(pointer: Delivery, parts: readonly Delivery[]): void {
  for (const part of parts) part.requeue();
  pointer.requeue();
}
