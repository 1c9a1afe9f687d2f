/**
 * withChunking: a Transport decorator that carries bodies larger than `maxBytes` as
 * several messages (RabbitMQ 4 refuses one over 16 MiB by default), transparently:
 * senders and handlers see whole messages, with the Transport semantics intact. Bodies
 * up to `maxBytes` pass through untouched. Wrap every client of a broker alike: one
 * without it would see pointers and chunks.
 *
 * Work queues: the parts go to a side queue of their own, `<queue>.parts.<uuid>`, and a
 * small pointer to the work queue (send-in-parts.ts); a receiver takes the parts with
 * the pointer and settles them together (chunked-delivery.ts): ack deletes the side
 * queue, requeue puts all back, deadLetter dead-letters the pointer and keeps the parts
 * so the dead-letter queue holds the whole message. A pointer whose parts are missing or
 * inconsistent is dead-lettered with a reason naming the problem (reassembler.ts).
 * Broadcasts: chunks with a message id, reassembled by each subscriber within bounds
 * (broadcast-assembler.ts).
 *
 * deleteQueue(queue) first deletes the side queues of the pointers ready in the queue
 * and in its dead-letter queue. Side queues it cannot see are left: those of pointers
 * held unsettled by a consumer at that moment (their ack deletes them; a requeue into the
 * deleted queue does not), and those of a sender that died between its parts and its
 * pointer. Both are named `<queue>.parts.*`, for an operator to find. A sender checks
 * its older side queues as it sends (sent-side-queues.ts), so that its AMQP transport
 * forgets the finished ones; a reconnection still brings back, empty, those finished
 * since the last check (a few at most): an operator can delete empty `*.parts.*` queues.
 */
import { deadLetterQueueOf, type Subscription, type Transport } from '../transport.js';
import { Background } from './background.js';
import { BroadcastAssembler } from './broadcast-assembler.js';
import { broadcastInParts } from './broadcast-in-parts.js';
import { resolveChunkingOptions, type ChunkingOptions } from './chunking-options.js';
import { deleteSideQueuesIn } from './delete-side-queues.js';
import { Reassembler } from './reassembler.js';
import { consumeWhole, getWhole } from './receive-whole.js';
import { CHUNK_OF_HEADER } from './reserved-headers.js';
import { sendInParts } from './send-in-parts.js';
import { SentSideQueues } from './sent-side-queues.js';

/** Longest close() waits for side queues of acked messages to be deleted. */
const CLOSE_WAIT_MS = 5_000;

export function withChunking(inner: Transport, options: ChunkingOptions = {}): Transport {
  const settings = resolveChunkingOptions(options);
  const { maxBytes, log } = settings;
  const background = new Background(log);
  const assemblers = new Set<BroadcastAssembler>();
  let closing: Promise<void> | undefined;
  const isClosing = (): boolean => closing !== undefined || inner.state === 'closed';
  const sentSideQueues = new SentSideQueues(inner, background);
  const declared = (partsQueue: string): void => sentSideQueues.add(partsQueue);
  const reassembler = new Reassembler({ inner, partsWaitMs: settings.partsWaitMs, isClosing, background, log });
  const receiving = { inner, reassembler, log };
  const limits = { maxPartial: settings.maxPartialBroadcasts, timeoutMs: settings.broadcastTimeoutMs, log };

  return {
    kind: inner.kind,
    get state() {
      return inner.state;
    },
    onState: (listener) => inner.onState(listener),
    declareQueue: (queue) => inner.declareQueue(queue),
    async deleteQueue(queue) {
      await deleteSideQueuesIn(inner, queue);
      await deleteSideQueuesIn(inner, deadLetterQueueOf(queue));
      await inner.deleteQueue(queue);
    },
    deleteTopic: (topic) => inner.deleteTopic(topic),
    queueStats: (queue) => inner.queueStats(queue),

    send: (queue, body, headers) => (body.byteLength <= maxBytes ? inner.send(queue, body, headers) : sendInParts(inner, queue, body, headers ?? {}, maxBytes, declared)),
    consume: (queue, handler, consumeOptions) => consumeWhole(receiving, queue, handler, consumeOptions),
    get: (queue) => getWhole(receiving, queue),

    broadcast: (topic, body, headers) => (body.byteLength <= maxBytes ? inner.broadcast(topic, body, headers) : broadcastInParts(inner, topic, body, headers ?? {}, maxBytes)),
    async subscribe(topic, handler): Promise<Subscription> {
      const assembler = new BroadcastAssembler(topic, handler, limits);
      const subscription = await inner.subscribe(topic, (message) => (message.headers[CHUNK_OF_HEADER] === undefined ? handler(message) : assembler.add(message)));
      assemblers.add(assembler);
      return {
        cancel: async () => {
          assemblers.delete(assembler);
          assembler.stop();
          await subscription.cancel();
        },
      };
    },

    /** Stops rebuilding, lets the side queues of acked messages be deleted (for a while), then closes the inner transport. */
    close() {
      closing ??= (async () => {
        for (const assembler of assemblers) assembler.stop();
        assemblers.clear();
        try {
          await background.idle(CLOSE_WAIT_MS);
        } finally {
          await inner.close();
        }
      })();
      return closing;
    },
  };
}
