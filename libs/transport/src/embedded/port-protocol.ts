/**
 * What a port client (port-link.ts) and serveBrokerPort say to each other over a
 * MessagePort. Requests carry an `id` the reply names; `settle` has no reply. The server
 * pushes deliveries and broadcasts under the consumer or subscription id the client chose,
 * so a delivery that comes before the consume reply still finds its handler.
 */
import type { Broadcast, Headers, QueueStats } from '../transport.js';
import type { DeliveredMessage, Settlement } from './broker-link.js';
import type { EmbeddedErrorCode } from './embedded-error.js';

export type PortRequest =
  | { readonly op: 'declareQueue' | 'deleteQueue' | 'get' | 'queueStats'; readonly id: number; readonly queue: string }
  | { readonly op: 'send'; readonly id: number; readonly queue: string; readonly body: Uint8Array; readonly headers: Headers }
  | { readonly op: 'consume'; readonly id: number; readonly queue: string; readonly prefetch: number; readonly consumer: number }
  | { readonly op: 'deadLetter'; readonly id: number; readonly tag: number; readonly reason: string }
  | { readonly op: 'broadcast'; readonly id: number; readonly topic: string; readonly body: Uint8Array; readonly headers: Headers }
  | { readonly op: 'subscribe'; readonly id: number; readonly topic: string; readonly subscription: number }
  | { readonly op: 'cancel'; readonly id: number; readonly subscription: number }
  | { readonly op: 'disconnect'; readonly id: number };

export type PortNotice = { readonly op: 'settle'; readonly tag: number; readonly settlement: Settlement };

export type ClientMessage = PortRequest | PortNotice;

/** What each request resolves to. */
export type ReplyValue = void | number | QueueStats | DeliveredMessage | null;

export type ServerMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly value: ReplyValue }
  | { readonly kind: 'failure'; readonly id: number; readonly code: EmbeddedErrorCode; readonly message: string }
  | { readonly kind: 'delivery'; readonly consumer: number; readonly message: DeliveredMessage }
  | { readonly kind: 'broadcast'; readonly subscription: number; readonly message: Broadcast };

/**
 * `message` with a copy of its body in a fresh buffer of its size, and that buffer to
 * transfer: the receiving thread gets the bytes without a second copy, and the sender
 * keeps its own (the broker needs them until the message is settled).
 */
export function withOwnBody<M extends { readonly body: Uint8Array }>(message: M): [M, ArrayBuffer[]] {
  const body = new Uint8Array(message.body);
  return [{ ...message, body }, [body.buffer]];
}
