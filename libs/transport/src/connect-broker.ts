import { createAmqpTransport } from './amqp/amqp-transport.js';
import type { AmqpTransportOptions } from './amqp/options.js';
import { withChunking } from './chunking/with-chunking.js';
import type { Transport } from './transport.js';

/** The default size above which a message is split: RabbitMQ 4 refuses over 16 MiB by default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface BrokerOptions extends AmqpTransportOptions {
  /** Messages larger than this travel in parts (default 4 MiB). */
  readonly maxMessageBytes?: number;
}

/**
 * How every PFF process reaches RabbitMQ: the AMQP transport with messages above
 * `maxMessageBytes` split and reassembled. All clients of one broker must agree on this
 * (a plain client would see the parts), so every role connects through here.
 */
export async function connectBroker(options: BrokerOptions): Promise<Transport> {
  const { maxMessageBytes, ...amqp } = options;
  const inner = await createAmqpTransport(amqp);
  return withChunking(inner, { maxBytes: maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, ...(amqp.log ? { log: amqp.log } : {}) });
}
