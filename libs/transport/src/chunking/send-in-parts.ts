/**
 * Sending a large body to a work queue: its parts to a side queue of their own, then a
 * pointer to the work queue. Competing consumers take pointers, so one message's parts
 * are never spread over consumers; the parts are stored (confirmed) before the pointer
 * exists, so whoever takes the pointer finds them.
 */
import type { Headers, Transport } from '../transport.js';
import { partsOf } from './body-parts.js';
import { pointerHeaders, sideQueueFor } from './pointer.js';
import { PART_HEADER, PARTS_HEADER } from './reserved-headers.js';

/** Sends `body` in parts of at most `maxBytes`; `declared` is told the side queue once the pointer is stored. */
export async function sendInParts(inner: Transport, queue: string, body: Uint8Array, headers: Headers, maxBytes: number, declared: (partsQueue: string) => void): Promise<void> {
  const partsQueue = sideQueueFor(queue);
  const parts = partsOf(body, maxBytes);
  await inner.declareQueue(partsQueue);
  try {
    // All at once: RabbitMQ confirms them as a stream, rather than one round trip each.
    const sent = await Promise.allSettled(parts.map((part, index) => inner.send(partsQueue, part, { [PART_HEADER]: index, [PARTS_HEADER]: parts.length })));
    const failed = sent.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    await inner.send(queue, new Uint8Array(0), pointerHeaders(headers, { partsQueue, count: parts.length, bytes: body.byteLength }));
  } catch (error) {
    // No pointer was confirmed, so nobody will read these parts. (Should a pointer have
    // been stored all the same, it is dead-lettered as 'side queue missing' when taken.)
    await inner.deleteQueue(partsQueue).catch(() => undefined);
    throw error;
  }
  declared(partsQueue);
}
