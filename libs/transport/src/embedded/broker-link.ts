import type { Broadcast, Headers, QueueStats } from '../transport.js';

/** A message handed to one client; `tag` names it when the client settles it. */
export interface DeliveredMessage {
  readonly tag: number;
  readonly body: Uint8Array;
  readonly headers: Headers;
  readonly redelivered: boolean;
}

export type Settlement = 'ack' | 'requeue';

/**
 * One client's connection to an EmbeddedBroker: in-process (a broker session) or over a
 * MessagePort (port-link.ts). The Transport semantics on top (delivery objects, failing
 * handlers, state, close) are written once, in linked-transport.ts, for both.
 */
export interface BrokerLink {
  declareQueue(queue: string): Promise<void>;
  deleteQueue(queue: string): Promise<void>;
  /** Stores `body`, which the link now owns (the caller must not touch it again). */
  send(queue: string, body: Uint8Array, headers: Headers): Promise<void>;
  /**
   * Adds a consumer; `push` gets its deliveries, the first ones possibly before this
   * resolves. Resolves to the id that `cancel` takes.
   */
  consume(queue: string, prefetch: number, push: (message: DeliveredMessage) => void): Promise<number>;
  get(queue: string): Promise<DeliveredMessage | null>;
  /** Settles a delivery; an unknown tag (already settled, queue deleted) is ignored. */
  settle(tag: number, settlement: Settlement): void;
  deadLetter(tag: number, reason: string): Promise<void>;
  /** Fans `body` out to the topic's subscribers; the link owns `body` from now on. */
  broadcast(topic: string, body: Uint8Array, headers: Headers): Promise<void>;
  subscribe(topic: string, push: (message: Broadcast) => void): Promise<number>;
  /** Ends a consumer or a subscription; its unsettled deliveries stay settleable. */
  cancel(id: number): Promise<void>;
  queueStats(queue: string): Promise<QueueStats>;
  /** Requeues every unsettled delivery (redelivered), drops consumers and subscriptions; idempotent. */
  disconnect(): Promise<void>;
  /** `listener` runs once if the link dies without `disconnect()` (the other end of a port closed). */
  onLost?(listener: () => void): void;
}
