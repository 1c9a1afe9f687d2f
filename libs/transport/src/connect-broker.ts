import { setTimeout as sleep } from 'node:timers/promises';
import { createAmqpTransport } from './amqp/amqp-transport.js';
import { BrokerUnreachableError } from './amqp/errors.js';
import type { AmqpTransportOptions } from './amqp/options.js';
import { withChunking } from './chunking/with-chunking.js';
import type { Transport } from './transport.js';

/** The default size above which a message is split: RabbitMQ 4 refuses over 16 MiB by default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface BrokerOptions extends AmqpTransportOptions {
  /** Messages larger than this travel in parts (default 4 MiB). */
  readonly maxMessageBytes?: number;
  /**
   * How long to keep trying the first connection (default 0: one attempt). A pod can
   * start before its broker does; a service waits for it rather than crash-loop.
   */
  readonly waitMs?: number;
  /** Stops the wait (a shutdown requested before the broker was reached): rejects with its reason. */
  readonly signal?: AbortSignal;
}

/** Retries `connect` while it fails with BrokerUnreachableError, for up to `waitMs` (0.5 s doubling to 5 s between tries). */
async function firstConnection<T>(connect: () => Promise<T>, waitMs: number, log: (line: string) => void, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await connect();
    } catch (error) {
      const left = deadline - Date.now();
      if (!(error instanceof BrokerUnreachableError) || left <= 0) throw error;
      const delay = Math.min(left, 5_000, 500 * 2 ** (attempt - 1));
      log(`${error.message}; trying again in ${(delay / 1000).toFixed(1)} s (waiting up to ${Math.round(waitMs / 1000)} s in all)`);
      // Aborted: end with the caller's reason rather than a bare AbortError.
      await sleep(delay, undefined, signal ? { signal } : {}).catch((sleepError: unknown) => {
        signal?.throwIfAborted();
        throw sleepError;
      });
    }
  }
}

/**
 * How every PFF process reaches RabbitMQ: the AMQP transport with messages above
 * `maxMessageBytes` split and reassembled. All clients of one broker must agree on this
 * (a plain client would see the parts), so every role connects through here.
 */
export async function connectBroker(options: BrokerOptions): Promise<Transport> {
  const { maxMessageBytes, waitMs = 0, signal, ...amqp } = options;
  const inner = await firstConnection(() => createAmqpTransport(amqp), waitMs, amqp.log ?? (() => undefined), signal);
  return withChunking(inner, { maxBytes: maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, ...(amqp.log ? { log: amqp.log } : {}) });
}
