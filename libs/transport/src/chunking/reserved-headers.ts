/**
 * The headers withChunking reserves. They travel on pointers, parts and broadcast
 * chunks, and are stripped from every message a handler sees.
 */
import type { Headers } from '../transport.js';

/** On a pointer: the side queue that holds the parts of its message. */
export const PARTS_QUEUE_HEADER = 'x-pff-parts-queue';
/** On a pointer, a part and a broadcast chunk: how many parts the message was split into. */
export const PARTS_HEADER = 'x-pff-parts';
/** On a part and a broadcast chunk: which part it is, from 0. */
export const PART_HEADER = 'x-pff-part';
/** On a pointer and a broadcast chunk: the length of the whole body. */
export const BYTES_HEADER = 'x-pff-bytes';
/** On a broadcast chunk: the id the chunks of one broadcast share. */
export const CHUNK_OF_HEADER = 'x-pff-chunk-of';

const RESERVED: ReadonlySet<string> = new Set([PARTS_QUEUE_HEADER, PARTS_HEADER, PART_HEADER, BYTES_HEADER, CHUNK_OF_HEADER]);

/** `headers` without the reserved ones: what the sender passed (plus a dead-letter's reason and origin). */
export function withoutReserved(headers: Headers): Headers {
  const kept: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!RESERVED.has(name)) kept[name] = value;
  }
  return kept;
}

/** A whole number >= `least`, as a header value must be to count parts or bytes. */
export function isWholeAtLeast(value: string | number | undefined, least: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= least;
}
