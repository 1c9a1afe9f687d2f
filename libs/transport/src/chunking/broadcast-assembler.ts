/**
 * One subscription's reassembly of split broadcasts, by message id (chunks of several
 * senders interleave). Bounded: at most `maxPartial` incomplete messages at once (a new
 * one drops the oldest), each dropped `timeoutMs` after its first chunk; a subscriber
 * that joined mid-message, or a sender that died mid-message, costs no more than that.
 */
import type { Broadcast } from '../transport.js';
import { joined } from './body-parts.js';
import { BYTES_HEADER, CHUNK_OF_HEADER, isWholeAtLeast, PART_HEADER, PARTS_HEADER, withoutReserved } from './reserved-headers.js';

interface Incomplete {
  readonly count: number;
  readonly bytes: number;
  readonly chunks: Map<number, Uint8Array>;
  readonly timer: NodeJS.Timeout;
}

export interface AssemblerLimits {
  readonly maxPartial: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export class BroadcastAssembler {
  /** In order of first chunk: the first entry is the oldest. */
  readonly #partials = new Map<string, Incomplete>();
  #stopped = false;

  constructor(
    private readonly topic: string,
    private readonly deliver: (message: Broadcast) => void,
    private readonly limits: AssemblerLimits,
  ) {}

  /** Takes one chunk; hands the whole message to the subscriber (synchronously) when it completes it. */
  add(chunk: Broadcast): void {
    if (this.#stopped) return;
    const { headers } = chunk;
    const id = String(headers[CHUNK_OF_HEADER]);
    const [index, count, bytes] = [headers[PART_HEADER], headers[PARTS_HEADER], headers[BYTES_HEADER]];
    if (!isWholeAtLeast(count, 1) || !isWholeAtLeast(bytes, count) || !isWholeAtLeast(index, 0) || index >= count) {
      this.limits.log(`chunking: a malformed chunk of broadcast ${id} on ${this.topic} was dropped`);
      return;
    }
    const partial = this.#partials.get(id) ?? this.#start(id, count, bytes);
    if (partial.count !== count || partial.bytes !== bytes) {
      this.#drop(id, 'its chunks disagree on count or length');
      return;
    }
    partial.chunks.set(index, chunk.body);
    if (partial.chunks.size < count) return;
    this.#forget(id);
    const ordered = Array.from({ length: count }, (_, i) => partial.chunks.get(i) ?? new Uint8Array(0));
    const received = ordered.reduce((sum, part) => sum + part.byteLength, 0);
    if (received !== bytes) {
      this.limits.log(`chunking: broadcast ${id} on ${this.topic} was dropped: its chunks hold ${received} bytes, not ${bytes}`);
      return;
    }
    this.deliver({ body: joined(ordered, bytes), headers: withoutReserved(headers) });
  }

  /** For good (on cancel and close): drops every incomplete message and its timer, ignores later chunks. */
  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#partials.keys()]) this.#forget(id);
  }

  #start(id: string, count: number, bytes: number): Incomplete {
    const oldest = this.#partials.keys().next();
    if (this.#partials.size >= this.limits.maxPartial && oldest.done !== true) this.#drop(oldest.value, `more than ${this.limits.maxPartial} broadcasts were incomplete at once`);
    const timer = setTimeout(() => this.#drop(id, `it was incomplete after ${this.limits.timeoutMs} ms`), this.limits.timeoutMs);
    timer.unref();
    const partial: Incomplete = { count, bytes, chunks: new Map(), timer };
    this.#partials.set(id, partial);
    return partial;
  }

  #drop(id: string, why: string): void {
    const partial = this.#forget(id);
    if (partial) this.limits.log(`chunking: broadcast ${id} on ${this.topic} was dropped with ${partial.chunks.size} of ${partial.count} chunks: ${why}`);
  }

  #forget(id: string): Incomplete | undefined {
    const partial = this.#partials.get(id);
    if (partial === undefined) return undefined;
    clearTimeout(partial.timer);
    this.#partials.delete(id);
    return partial;
  }
}
