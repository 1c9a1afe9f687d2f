import type { MessagePort } from 'node:worker_threads';
import type { Transport } from '../transport.js';
import { LinkedTransport, type EmbeddedTransportOptions } from './linked-transport.js';
import { PortLink } from './port-link.js';

/**
 * A client, in a worker thread, of the EmbeddedBroker that serveBrokerPort serves at the
 * other end of `port`. `send` resolves once the broker has stored the message (its reply).
 * Each delivery's body is the consumer's own copy. If the broker's end closes, the
 * transport goes to 'closed' and pending operations reject with code DISCONNECTED.
 */
export function createPortTransport(port: MessagePort, options?: EmbeddedTransportOptions): Transport {
  return new LinkedTransport(new PortLink(port), options);
}
