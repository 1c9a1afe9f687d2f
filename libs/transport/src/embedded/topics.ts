import type { Broadcast } from '../transport.js';

/** Fanout topics: a broadcast goes to whoever is subscribed at that moment, and is not kept. */
export class Topics {
  readonly #subscribers = new Map<string, Map<object, (message: Broadcast) => void>>();

  /** Adds `push` under `key` (any object unique to the subscription). */
  subscribe(topic: string, key: object, push: (message: Broadcast) => void): void {
    let subscribers = this.#subscribers.get(topic);
    if (subscribers === undefined) this.#subscribers.set(topic, (subscribers = new Map<object, (message: Broadcast) => void>()));
    subscribers.set(key, push);
  }

  unsubscribe(topic: string, key: object): void {
    const subscribers = this.#subscribers.get(topic);
    subscribers?.delete(key);
    if (subscribers?.size === 0) this.#subscribers.delete(topic);
  }

  publish(topic: string, message: Broadcast): void {
    for (const push of [...(this.#subscribers.get(topic)?.values() ?? [])]) push(message);
  }
}
