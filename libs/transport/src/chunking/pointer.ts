/**
 * The small message that stands in a work queue for a large one: the sender's headers
 * plus the name of the side queue holding the parts, their count and the total length.
 */
import { randomUUID } from 'node:crypto';
import type { Headers } from '../transport.js';
import { BYTES_HEADER, isWholeAtLeast, PARTS_HEADER, PARTS_QUEUE_HEADER } from './reserved-headers.js';

export interface Pointer {
  readonly partsQueue: string;
  readonly count: number;
  readonly bytes: number;
}

/** A pointer that cannot be followed; `partsQueue` when its side queue name at least is sound. */
export interface BadPointer {
  readonly problem: string;
  readonly partsQueue?: string;
}

const SIDE_QUEUE = /\.parts\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh side queue for one large message to `queue`; named after it, so an operator sees where it belongs. */
export function sideQueueFor(queue: string): string {
  return `${queue}.parts.${randomUUID()}`;
}

/**
 * Whether `name` is one sideQueueFor could have made. A pointer naming anything else is
 * refused: following it would take (and deleting it would destroy) another queue's messages.
 */
export function isSideQueue(name: string): boolean {
  return SIDE_QUEUE.test(name);
}

/** The check on every received message: one header lookup. */
export function isPointer(headers: Headers): boolean {
  return headers[PARTS_QUEUE_HEADER] !== undefined;
}

export function pointerHeaders(headers: Headers, pointer: Pointer): Headers {
  return { ...headers, [PARTS_QUEUE_HEADER]: pointer.partsQueue, [PARTS_HEADER]: pointer.count, [BYTES_HEADER]: pointer.bytes };
}

/** The pointer `headers` carry, or what is wrong with it. */
export function readPointer(headers: Headers): Pointer | BadPointer {
  const partsQueue = headers[PARTS_QUEUE_HEADER];
  const count = headers[PARTS_HEADER];
  const bytes = headers[BYTES_HEADER];
  if (typeof partsQueue !== 'string' || !isSideQueue(partsQueue)) {
    return { problem: `malformed pointer: ${PARTS_QUEUE_HEADER} ${JSON.stringify(partsQueue)} is not a side queue name` };
  }
  if (!isWholeAtLeast(count, 1)) return { problem: `malformed pointer: ${PARTS_HEADER} ${JSON.stringify(count)} is not a part count`, partsQueue };
  if (!isWholeAtLeast(bytes, count)) return { problem: `malformed pointer: ${BYTES_HEADER} ${JSON.stringify(bytes)} is no length for ${count} parts`, partsQueue };
  return { partsQueue, count, bytes };
}
