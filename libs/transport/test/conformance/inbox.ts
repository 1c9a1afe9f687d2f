/**
 * Collects what a consumer or subscriber handler receives, so a test can wait for the
 * next item (with a deadline) or check that nothing more arrives for a while.
 */
import assert from 'node:assert/strict';
import { sleep, within } from './harness.js';

export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];
  /** Everything received so far, in order. */
  readonly all: T[] = [];

  constructor(private readonly waitMs: number) {}

  /** The handler to give to consume/subscribe. */
  readonly put = (item: T): void => {
    this.all.push(item);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  };

  /** The next item not yet taken; fails with `what` if none arrives in time. */
  async next(what: string): Promise<T> {
    const ready = this.#items.shift();
    if (ready !== undefined) return ready;
    let waiter: ((item: T) => void) | undefined;
    const arrival = new Promise<T>((resolve) => {
      waiter = resolve;
      this.#waiters.push(resolve);
    });
    try {
      return await within(arrival, this.waitMs, what);
    } finally {
      const index = waiter ? this.#waiters.indexOf(waiter) : -1;
      if (index >= 0) this.#waiters.splice(index, 1);
    }
  }

  /** Waits `ms` and asserts no item arrived that has not been taken. */
  async quiet(ms: number, what: string): Promise<void> {
    await sleep(ms);
    assert.equal(this.#items.length, 0, `expected nothing more, but ${this.#items.length} arrived: ${what}`);
  }
}
