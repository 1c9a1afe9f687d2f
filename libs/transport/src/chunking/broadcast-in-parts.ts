/**
 * A large broadcast as several: every subscriber gets every chunk (fanout has no
 * competing consumers), so the chunks need no side queue, only an id to be matched by.
 */
import { randomUUID } from 'node:crypto';
import type { Headers, Transport } from '../transport.js';
import { partsOf } from './body-parts.js';
import { BYTES_HEADER, CHUNK_OF_HEADER, PART_HEADER, PARTS_HEADER } from './reserved-headers.js';

export async function broadcastInParts(inner: Transport, topic: string, body: Uint8Array, headers: Headers, maxBytes: number): Promise<void> {
  const id = randomUUID();
  const parts = partsOf(body, maxBytes);
  // Each chunk carries the sender's headers: whichever arrives last completes the message.
  const chunkHeaders = (index: number): Headers => ({ ...headers, [CHUNK_OF_HEADER]: id, [PART_HEADER]: index, [PARTS_HEADER]: parts.length, [BYTES_HEADER]: body.byteLength });
  const sent = await Promise.allSettled(parts.map((part, index) => inner.broadcast(topic, part, chunkHeaders(index))));
  const failed = sent.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}
