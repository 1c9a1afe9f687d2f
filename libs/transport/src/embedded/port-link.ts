import type { MessagePort } from 'node:worker_threads';
import type { Broadcast, Headers, QueueStats } from '../transport.js';
import type { BrokerLink, DeliveredMessage, Settlement } from './broker-link.js';
import { EmbeddedTransportError } from './embedded-error.js';
import type { PortRequest, ReplyValue, ServerMessage } from './port-protocol.js';

interface Pending {
  readonly resolve: (value: ReplyValue) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A BrokerLink over a MessagePort whose other end serveBrokerPort serves. Bodies handed
 * to send/broadcast are owned by the link (see LinkedTransport): their buffers are
 * transferred, not copied.
 */
export class PortLink implements BrokerLink {
  readonly #pending = new Map<number, Pending>();
  readonly #consumers = new Map<number, (message: DeliveredMessage) => void>();
  readonly #subscribers = new Map<number, (message: Broadcast) => void>();
  #nextId = 1;
  #phase: 'open' | 'disconnecting' | 'gone' = 'open';
  #disconnected: Promise<void> | undefined;
  #lost: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: ServerMessage) => this.#receive(message));
    port.on('close', () => this.#gone());
  }

  declareQueue(queue: string): Promise<void> {
    return this.#request((id) => ({ op: 'declareQueue', id, queue }));
  }

  deleteQueue(queue: string): Promise<void> {
    return this.#request((id) => ({ op: 'deleteQueue', id, queue }));
  }

  send(queue: string, body: Uint8Array, headers: Headers): Promise<void> {
    return this.#request((id) => ({ op: 'send', id, queue, body, headers }), [body.buffer as ArrayBuffer]);
  }

  consume(queue: string, prefetch: number, push: (message: DeliveredMessage) => void): Promise<number> {
    return this.#withPush(this.#consumers, push, (consumer) => this.#request((id) => ({ op: 'consume', id, queue, prefetch, consumer })));
  }

  get(queue: string): Promise<DeliveredMessage | null> {
    return this.#request((id) => ({ op: 'get', id, queue }));
  }

  settle(tag: number, settlement: Settlement): void {
    if (this.#phase === 'open') this.port.postMessage({ op: 'settle', tag, settlement });
  }

  deadLetter(tag: number, reason: string): Promise<void> {
    return this.#request((id) => ({ op: 'deadLetter', id, tag, reason }));
  }

  broadcast(topic: string, body: Uint8Array, headers: Headers): Promise<void> {
    return this.#request((id) => ({ op: 'broadcast', id, topic, body, headers }), [body.buffer as ArrayBuffer]);
  }

  subscribe(topic: string, push: (message: Broadcast) => void): Promise<number> {
    return this.#withPush(this.#subscribers, push, (subscription) => this.#request((id) => ({ op: 'subscribe', id, topic, subscription })));
  }

  async cancel(id: number): Promise<void> {
    // Deliveries the server pushed before it cancelled arrive before this reply, and still find their handler.
    await this.#request((request) => ({ op: 'cancel', id: request, subscription: id }));
    this.#consumers.delete(id);
    this.#subscribers.delete(id);
  }

  queueStats(queue: string): Promise<QueueStats> {
    return this.#request((id) => ({ op: 'queueStats', id, queue }));
  }

  /** Asks the broker to release this client, then closes the port. Idempotent. */
  disconnect(): Promise<void> {
    return (this.#disconnected ??= this.#disconnect());
  }

  onLost(listener: () => void): void {
    this.#lost = listener;
  }

  async #disconnect(): Promise<void> {
    if (this.#phase !== 'open') return;
    try {
      const request = this.#request((id) => ({ op: 'disconnect', id }));
      this.#phase = 'disconnecting';
      await request;
    } finally {
      this.port.close();
    }
  }

  /** Registers `push` under a new id before the request goes out; drops it if the request fails. */
  async #withPush<M>(pushes: Map<number, (message: M) => void>, push: (message: M) => void, request: (id: number) => Promise<void>): Promise<number> {
    const id = this.#nextId++;
    pushes.set(id, push);
    try {
      await request(id);
      return id;
    } catch (error) {
      pushes.delete(id);
      throw error;
    }
  }

  #request<T>(make: (id: number) => PortRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#phase !== 'open') return Promise.reject(new EmbeddedTransportError('DISCONNECTED', 'the broker port is closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.port.postMessage(make(id), transfer);
    });
  }

  #receive(message: ServerMessage): void {
    if (message.kind === 'delivery') return this.#consumers.get(message.consumer)?.(message.message);
    if (message.kind === 'broadcast') return this.#subscribers.get(message.subscription)?.(message.message);
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (message.kind === 'reply') pending?.resolve(message.value);
    else pending?.reject(new EmbeddedTransportError(message.code, message.message));
  }

  #gone(): void {
    const unexpected = this.#phase === 'open';
    this.#phase = 'gone';
    this.#consumers.clear();
    this.#subscribers.clear();
    for (const pending of this.#pending.values()) pending.reject(new EmbeddedTransportError('DISCONNECTED', 'the broker port closed'));
    this.#pending.clear();
    if (unexpected) this.#lost?.();
  }
}
