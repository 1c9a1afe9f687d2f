/**
 * The one messaging interface the pipeline uses. Two implementations: RabbitMQ
 * (amqp-transport.ts, the only module that imports amqplib) and the embedded broker
 * (embedded/), which needs no broker process. Both pass test/conformance.ts.
 */

/** Message headers: small scalar values only (the payload travels in `body`). */
export type Headers = Readonly<Record<string, string | number>>;

/** Header naming why a message was dead-lettered. */
export const REASON_HEADER = 'x-pff-reason';
/** Header naming the queue a dead-lettered message came from. */
export const ORIGIN_HEADER = 'x-pff-origin';

/** Where `deadLetter` (and the broker, for messages rejected without requeue) puts messages. */
export function deadLetterQueueOf(queue: string): string {
  return `${queue}.dlq`;
}

/** One message taken from a work queue; exactly one of ack/requeue/deadLetter settles it. */
export interface Delivery {
  readonly body: Uint8Array;
  readonly headers: Headers;
  /** True when the message was delivered before to a consumer that did not settle it. */
  readonly redelivered: boolean;
  /** Done with it: the queue forgets it. */
  ack(): void;
  /** Back to its queue, for this or another consumer (delivered again with redelivered = true). */
  requeue(): void;
  /**
   * To the queue's dead-letter queue (`deadLetterQueueOf(queue)`), with the reason in
   * header REASON_HEADER and the queue in ORIGIN_HEADER; resolves once it is stored there.
   */
  deadLetter(reason: string): Promise<void>;
}

/** A message on a broadcast topic: no acknowledgement, no redelivery. */
export interface Broadcast {
  readonly body: Uint8Array;
  readonly headers: Headers;
}

export interface ConsumeOptions {
  /** Most unsettled deliveries this consumer holds at once (>= 1). */
  readonly prefetch: number;
}

export interface Subscription {
  /** Stops deliveries; deliveries already handed out keep their ack/requeue/deadLetter. */
  cancel(): Promise<void>;
}

export type TransportState = 'connected' | 'reconnecting' | 'blocked' | 'closed';

export interface QueueStats {
  /** Messages waiting, not handed to a consumer. */
  readonly ready: number;
  /** Messages handed to a consumer and not yet settled. */
  readonly unacked: number;
  readonly consumers: number;
}

export interface Transport {
  readonly kind: 'amqp' | 'embedded';
  /** Declares a durable work queue and its dead-letter queue; idempotent. */
  declareQueue(queue: string): Promise<void>;
  /** Deletes a work queue and its dead-letter queue (missing: no error). */
  deleteQueue(queue: string): Promise<void>;
  /**
   * Stores a message on a declared queue; resolves once the broker has it (publisher
   * confirm). While disconnected or blocked it waits, then sends (at-least-once).
   */
  send(queue: string, body: Uint8Array, headers?: Headers): Promise<void>;
  /**
   * Competing consumers: each message of `queue` goes to one consumer at a time, round
   * robin among those with free prefetch. A handler that throws has its unsettled
   * delivery dead-lettered with the error's message as the reason.
   */
  consume(queue: string, handler: (delivery: Delivery) => void | Promise<void>, options: ConsumeOptions): Promise<Subscription>;
  /** Takes one ready message from `queue`, or null when there is none. */
  get(queue: string): Promise<Delivery | null>;
  /** Sends to every current subscriber of `topic` (fanout; not stored for later subscribers). */
  broadcast(topic: string, body: Uint8Array, headers?: Headers): Promise<void>;
  subscribe(topic: string, handler: (message: Broadcast) => void): Promise<Subscription>;
  /** Removes what the broker keeps for a topic nobody needs any more (a finished run's); missing: no error. */
  deleteTopic(topic: string): Promise<void>;
  queueStats(queue: string): Promise<QueueStats>;
  readonly state: TransportState;
  /** Called on every state change; returns a function that removes the listener. */
  onState(listener: (state: TransportState) => void): () => void;
  /**
   * Cancels every consumer and closes. Deliveries not settled go back to their queues
   * (redelivered), as when a consumer dies.
   */
  close(): Promise<void>;
}
