/** Converting bodies and headers between the Transport's types and amqplib's, without copying bodies. */
import type { Headers } from '../transport.js';

/** A Buffer over the same memory as `body` (no copy): amqplib writes it to the socket as it is. */
export function bufferOf(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** A plain Uint8Array over the same memory as amqplib's Buffer (no copy). */
export function bodyOf(content: Buffer): Uint8Array {
  return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
}

/**
 * The scalar headers of a received message. Values of other AMQP types (the broker's
 * own `x-death` table, booleans, timestamps) are left out: Headers carries strings and
 * numbers only.
 */
export function headersOf(raw: unknown): Headers {
  const headers: Record<string, string | number> = {};
  if (raw === null || typeof raw !== 'object') return headers;
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) headers[name] = value;
  }
  return headers;
}
