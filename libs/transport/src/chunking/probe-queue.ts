/**
 * Whether a queue exists, told apart from a failure to find out. The Transport interface
 * has no such call; queueStats rejects for a missing queue with the implementation's own
 * error, recognised here: RabbitMQ's reply code 404 (NOT_FOUND, on amqplib's error) and
 * the embedded transports' QUEUE_NOT_FOUND (which survives a MessagePort). Anything else
 * (the transport closing, say) is a failure, not a missing queue: a side queue is only
 * given up for lost when the broker says so.
 */
import type { Transport } from '../transport.js';

export type Probe = 'exists' | 'missing' | { readonly error: unknown };

export async function probeQueue(inner: Transport, queue: string): Promise<Probe> {
  try {
    await inner.queueStats(queue);
    return 'exists';
  } catch (error) {
    return isMissingQueueError(error) ? 'missing' : { error };
  }
}

function isMissingQueueError(error: unknown): boolean {
  const code = error !== null && typeof error === 'object' && 'code' in error ? error.code : undefined;
  return code === 404 || code === 'QUEUE_NOT_FOUND';
}
