/**
 * Taking the parts a pointer names from its side queue (with `get`, so they are held,
 * unsettled, alongside the pointer) and joining them, with every check a damaged or
 * forged pointer needs: the side queue exists, every part is there within the wait,
 * indexes and counts agree, the lengths add up. Never throws.
 */
import type { Delivery, Transport } from '../transport.js';
import { joined } from './body-parts.js';
import type { Pointer } from './pointer.js';
import { probeQueue } from './probe-queue.js';
import { PART_HEADER, PARTS_HEADER } from './reserved-headers.js';

/** What came of it; `parts` are the deliveries taken, to be settled with the pointer. */
export type Collected =
  | { readonly kind: 'whole'; readonly body: Uint8Array; readonly parts: readonly Delivery[] }
  /** The message cannot be rebuilt: dead-letter it. */
  | { readonly kind: 'broken'; readonly problem: string; readonly parts: readonly Delivery[] }
  /** Reading failed (the transport closing, say): give it all back. */
  | { readonly kind: 'failed'; readonly error: unknown; readonly parts: readonly Delivery[] };

export interface CollectOptions {
  readonly waitMs: number;
}

const POLL_MAX_MS = 250;

export async function collectParts(inner: Transport, pointer: Pointer, options: CollectOptions): Promise<Collected> {
  const { partsQueue, count } = pointer;
  const parts: Delivery[] = [];
  // Checked first: over AMQP a get from a missing queue would close the channel that get shares.
  const probe = await probeQueue(inner, partsQueue);
  if (probe === 'missing') return { kind: 'broken', problem: `side queue ${partsQueue} is missing`, parts };
  if (probe !== 'exists') return { kind: 'failed', error: probe.error, parts };
  const slots = new Map<number, Uint8Array>();
  const deadline = Date.now() + options.waitMs;
  for (let polls = 0; slots.size < count;) {
    let part: Delivery | null;
    try {
      part = await inner.get(partsQueue);
    } catch (error) {
      return { kind: 'failed', error, parts };
    }
    if (part === null) {
      if (Date.now() >= deadline) return { kind: 'broken', problem: `side queue ${partsQueue} holds ${slots.size} of ${count} parts after ${options.waitMs} ms`, parts };
      await sleep(Math.min(POLL_MAX_MS, 5 * 2 ** polls++));
      continue;
    }
    parts.push(part);
    const problem = place(slots, part, pointer);
    if (problem !== undefined) return { kind: 'broken', problem, parts };
  }
  const ordered = Array.from({ length: count }, (_, index) => slots.get(index) ?? new Uint8Array(0));
  const bytes = ordered.reduce((sum, part) => sum + part.byteLength, 0);
  if (bytes !== pointer.bytes) return { kind: 'broken', problem: `the ${count} parts in ${partsQueue} hold ${bytes} bytes, the pointer says ${pointer.bytes}`, parts };
  return { kind: 'whole', body: joined(ordered, bytes), parts };
}

/** Puts `part` in its slot, or says why it does not fit. A repeat of a part already held (a send retried) is ignored. */
function place(slots: Map<number, Uint8Array>, part: Delivery, pointer: Pointer): string | undefined {
  const index = part.headers[PART_HEADER];
  const count = part.headers[PARTS_HEADER];
  if (count !== pointer.count) return `a part in ${pointer.partsQueue} says ${JSON.stringify(count)} parts, the pointer says ${pointer.count}`;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= pointer.count) {
    return `a part in ${pointer.partsQueue} has index ${JSON.stringify(index)}, not one of 0..${pointer.count - 1}`;
  }
  const held = slots.get(index);
  if (held === undefined) slots.set(index, part.body);
  else if (held.byteLength !== part.body.byteLength) return `part ${index} in ${pointer.partsQueue} came twice, with ${held.byteLength} and ${part.body.byteLength} bytes`;
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
