/**
 * What the withChunking tests share: pairs of an inner client and the decorator over it
 * (the inner one recording the side queues it declares), unique queues deleted through
 * the decorator afterwards, and checks on side queues.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { withChunking, type ChunkingOptions, type Transport } from '../src/index.js';
import { BYTES_HEADER, PART_HEADER, PARTS_HEADER, PARTS_QUEUE_HEADER } from '../src/chunking/reserved-headers.js';
import { text } from './conformance/bytes.js';
import { eventually, uniqueName, within, type Settings } from './conformance/harness.js';

export const SMALL: ChunkingOptions = { maxBytes: 64 * 1024 };

export interface Pair {
  /** The client underneath, for what the decorator hides (pointers, parts, side queues). */
  readonly inner: Transport;
  readonly chunked: Transport;
  /** Every side queue `inner` was asked to declare, in order. */
  readonly sideQueues: string[];
  /** Every side queue `inner` was asked to delete, in order. */
  readonly deletedSideQueues: string[];
}

export interface ChunkingScope {
  /** A client and withChunking over it; `makeClient` instead of the scope's own, if given. */
  pair(options?: ChunkingOptions, makeClient?: () => Promise<Transport>): Promise<Pair>;
  /** A unique queue, declared now and deleted (through withChunking) when the test ends. */
  queue(via: Transport): Promise<string>;
}

export function chunkingScope(t: TestContext, makeInner: () => Promise<Transport>, settings: Settings): ChunkingScope {
  const made: Transport[] = [];
  const queues: string[] = [];
  t.after(async () => {
    const failures: unknown[] = [];
    for (const transport of made) await transport.close().catch((error: unknown) => failures.push(error));
    if (queues.length > 0) {
      const cleaner = withChunking(await within(makeInner(), settings.waitMs, 'a client for clean-up'));
      for (const queue of queues) await cleaner.deleteQueue(queue).catch((error: unknown) => failures.push(error));
      await cleaner.close();
    }
    if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
  });
  return {
    async pair(options = SMALL, makeClient = makeInner) {
      const [sideQueues, deletedSideQueues]: [string[], string[]] = [[], []];
      const inner = recordingSideQueues(await within(makeClient(), settings.waitMs, 'makeInner()'), { declared: sideQueues, deleted: deletedSideQueues });
      const chunked = withChunking(inner, options);
      made.push(chunked);
      return { inner, chunked, sideQueues, deletedSideQueues };
    },
    async queue(via) {
      const name = uniqueName('queue');
      queues.push(name);
      await within(via.declareQueue(name), settings.waitMs, `declareQueue(${name})`);
      return name;
    },
  };
}

/** `transport`, except that the side queues declared and deleted through it are recorded. */
function recordingSideQueues(transport: Transport, into: { readonly declared: string[]; readonly deleted: string[] }): Transport {
  const record = (list: string[], queue: string): void => {
    if (queue.includes('.parts.')) list.push(queue);
  };
  return new Proxy(transport, {
    get(target, property) {
      if (property === 'declareQueue') return (queue: string) => (record(into.declared, queue), target.declareQueue(queue));
      if (property === 'deleteQueue') return (queue: string) => (record(into.deleted, queue), target.deleteQueue(queue));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function queueExists(transport: Transport, queue: string): Promise<boolean> {
  return transport.queueStats(queue).then(() => true, () => false);
}

export async function sideQueuesGone(transport: Transport, sideQueues: readonly string[], settings: Settings): Promise<void> {
  for (const queue of sideQueues) {
    await eventually(async () => !(await queueExists(transport, queue)), settings.waitMs, `side queue ${queue} is deleted`);
  }
}

/** `size` bytes that differ for every `seed` (so mixed-up messages show). */
export function bodyOf(size: number, seed: number): Uint8Array {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + seed * 101 + (i >> 16)) & 0xff;
  return body;
}

/** The names of the chunking headers among `headers` (none may reach a handler). */
export function reservedIn(headers: object): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('x-pff-part') || name === BYTES_HEADER || name.startsWith('x-pff-chunk'));
}

/** The headers of a hand-made pointer to a side queue of `queue` (a fresh name, unless given). */
export function pointerTo(queue: string, count: number, bytes: number, partsQueue = `${queue}.parts.${randomUUID()}`): Record<string, string | number> {
  return { [PARTS_QUEUE_HEADER]: partsQueue, [PARTS_HEADER]: count, [BYTES_HEADER]: bytes };
}

/** A fresh side queue of `queue` holding hand-made parts ([index, count, text] each), as a sender would leave it. */
export async function plantParts(inner: Transport, queue: string, parts: readonly (readonly [index: number, count: number, body: string])[]): Promise<string> {
  const partsQueue = String(pointerTo(queue, 1, 1)[PARTS_QUEUE_HEADER]);
  await inner.declareQueue(partsQueue);
  await sendParts(inner, partsQueue, parts);
  return partsQueue;
}

export async function sendParts(inner: Transport, partsQueue: string, parts: readonly (readonly [index: number, count: number, body: string])[]): Promise<void> {
  for (const [index, count, body] of parts) await inner.send(partsQueue, text(body), { [PART_HEADER]: index, [PARTS_HEADER]: count });
}
