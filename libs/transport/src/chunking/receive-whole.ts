/**
 * consume and get over a work queue that may hold pointers: an ordinary message goes
 * to the caller untouched; a pointer is rebuilt into its whole message first.
 */
import type { ConsumeOptions, Delivery, Subscription, Transport } from '../transport.js';
import { messageOf } from './background.js';
import { isPointer } from './pointer.js';
import type { Reassembler } from './reassembler.js';

type Handler = (delivery: Delivery) => void | Promise<void>;

export interface ReceiveDeps {
  readonly inner: Transport;
  readonly reassembler: Reassembler;
  readonly log: (line: string) => void;
}

export async function consumeWhole(deps: ReceiveDeps, queue: string, handler: Handler, options: ConsumeOptions): Promise<Subscription> {
  let cancelled = false;
  const subscription = await deps.inner.consume(queue, (delivery) => (isPointer(delivery.headers) ? handleWhole(deps, queue, delivery, handler, () => cancelled) : handler(delivery)), options);
  return {
    cancel: () => {
      cancelled = true;
      return subscription.cancel();
    },
  };
}

/** Takes messages until one is ordinary or can be rebuilt (broken pointers are dead-lettered on the way). */
export async function getWhole(deps: ReceiveDeps, queue: string): Promise<Delivery | null> {
  for (;;) {
    const delivery = await deps.inner.get(queue);
    if (delivery === null || !isPointer(delivery.headers)) return delivery;
    const whole = await deps.reassembler.open(queue, delivery);
    if (whole) return whole;
  }
}

/**
 * Rebuilds, then runs the handler with the consumer rules: a handler that throws has its
 * unsettled delivery dead-lettered with the error's message. Never rejects (the inner
 * consumer would dead-letter the bare pointer). A message rebuilt after cancel() goes
 * back: nothing is handed out after cancel.
 */
async function handleWhole(deps: ReceiveDeps, queue: string, pointer: Delivery, handler: Handler, isCancelled: () => boolean): Promise<void> {
  let whole;
  try {
    whole = await deps.reassembler.open(queue, pointer);
  } catch (error) {
    deps.log(`chunking: a message of ${queue} could not be rebuilt and was given back: ${messageOf(error)}`);
    return;
  }
  if (whole === undefined) return;
  if (isCancelled()) {
    whole.requeue();
    return;
  }
  try {
    await handler(whole);
  } catch (error) {
    if (whole.settled) return;
    await whole.deadLetter(messageOf(error)).catch((failure: unknown) => deps.log(`chunking: dead-lettering a message of ${queue} after its handler threw: ${messageOf(failure)}`));
  }
}
