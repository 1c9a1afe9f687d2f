/**
 * Turning a pointer taken from a work queue (by a consumer or by get) into the whole
 * message; a pointer that cannot be followed is dead-lettered with a reason naming the
 * problem, and its remains are deleted.
 */
import { deadLetterQueueOf, ORIGIN_HEADER, REASON_HEADER, type Delivery, type Transport } from '../transport.js';
import { messageOf, type Background } from './background.js';
import { ChunkedDelivery, requeueAll } from './chunked-delivery.js';
import { collectParts } from './collect-parts.js';
import { readPointer } from './pointer.js';
import { withoutReserved } from './reserved-headers.js';

export interface ReassemblerDeps {
  readonly inner: Transport;
  readonly partsWaitMs: number;
  /** True once close() has begun (or the inner transport has closed): nothing is dead-lettered then. */
  readonly isClosing: () => boolean;
  readonly background: Background;
  readonly log: (line: string) => void;
}

export class Reassembler {
  constructor(private readonly deps: ReassemblerDeps) {}

  /**
   * The whole message behind `pointer` (taken from `queue`), or undefined when it could
   * not be rebuilt and is dead-lettered now. Throws, with the pointer and the parts taken
   * given back, when the parts could not be read (the transport closing, mostly).
   */
  async open(queue: string, pointer: Delivery): Promise<ChunkedDelivery | undefined> {
    const { inner, background } = this.deps;
    const read = readPointer(pointer.headers);
    if ('problem' in read) {
      await this.#deadLetterBroken(queue, pointer, read.partsQueue, read.problem, []);
      return undefined;
    }
    const collected = await collectParts(inner, read, { waitMs: this.deps.partsWaitMs });
    if (collected.kind === 'whole') {
      const { partsQueue } = read;
      return new ChunkedDelivery(collected.body, pointer, collected.parts, () => background.run(`deleting ${partsQueue}`, () => inner.deleteQueue(partsQueue)));
    }
    if (collected.kind === 'broken' && !this.deps.isClosing()) {
      await this.#deadLetterBroken(queue, pointer, read.partsQueue, collected.problem, collected.parts);
      return undefined;
    }
    requeueAll(pointer, collected.parts);
    throw collected.kind === 'failed' ? collected.error : new Error(`chunking: closing while reading ${read.partsQueue}`);
  }

  /**
   * Dead-letters a pointer that cannot be followed, then settles the parts taken and
   * deletes what is left of the side queue (partial parts help nobody, and must not
   * pile up). If it could not be dead-lettered, everything goes back as it was.
   */
  async #deadLetterBroken(queue: string, pointer: Delivery, partsQueue: string | undefined, problem: string, parts: readonly Delivery[]): Promise<void> {
    const { inner, log } = this.deps;
    if (!(await this.#storeDeadLetter(queue, pointer, `chunking: ${problem}; the message body is lost`))) {
      for (const part of parts) part.requeue();
      return;
    }
    for (const part of parts) part.ack();
    if (partsQueue !== undefined) await inner.deleteQueue(partsQueue).catch((error: unknown) => log(`chunking: deleting ${partsQueue}: ${messageOf(error)}`));
  }

  /**
   * Stores a copy of the pointer without the chunking headers on the dead-letter queue
   * (reason and origin as deadLetter sets them) and acks the pointer: without those
   * headers the dead letter reads as what it is, a message whose body is lost, through
   * withChunking or not. Failing that, dead-letters the pointer as it is.
   */
  async #storeDeadLetter(queue: string, pointer: Delivery, reason: string): Promise<boolean> {
    const { inner, log } = this.deps;
    try {
      await inner.send(deadLetterQueueOf(queue), pointer.body, { ...withoutReserved(pointer.headers), [REASON_HEADER]: reason, [ORIGIN_HEADER]: queue });
      pointer.ack();
      return true;
    } catch (error) {
      log(`chunking: storing the dead letter of a broken pointer from ${queue} failed (${messageOf(error)}); dead-lettering the pointer itself`);
    }
    try {
      await pointer.deadLetter(reason);
      return true;
    } catch (error) {
      log(`chunking: dead-lettering a broken pointer from ${queue} failed (${messageOf(error)}); it was requeued`);
      return false;
    }
  }
}
