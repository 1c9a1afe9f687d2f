import type { MessagePort } from 'node:worker_threads';
import type { DeliveredMessage } from './broker-link.js';
import type { EmbeddedBroker } from './embedded-broker.js';
import { EmbeddedTransportError } from './embedded-error.js';
import { withOwnBody, type ClientMessage, type PortRequest, type ReplyValue, type ServerMessage } from './port-protocol.js';
import { requestPerformer } from './port-requests.js';

export interface BrokerPortServer {
  /**
   * Ends this client: closes the port, requeues (redelivered) every delivery it holds,
   * drops its consumers and subscriptions. Idempotent. It happens by itself when the port
   * closes, which Node 20 reports when the worker thread holding the other end exits,
   * crashes or is terminated; calling this from `worker.on('exit')` as well does no harm.
   */
  disconnect(): void;
}

/**
 * Serves `broker` to the createPortTransport at the other end of `port` (typically in a
 * worker thread), as one client of the broker. Main-thread side.
 */
export function serveBrokerPort(broker: EmbeddedBroker, port: MessagePort): BrokerPortServer {
  const link = broker.connect();
  const post = (message: ServerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const perform = requestPerformer(link, post);
  let ended = false;
  const disconnect = (): void => {
    if (ended) return;
    ended = true;
    port.close();
    void link.disconnect();
  };
  const answer = async (request: PortRequest): Promise<void> => {
    try {
      const value = await perform(request);
      if (isDelivered(value)) {
        const [own, transfer] = withOwnBody(value);
        post({ kind: 'reply', id: request.id, value: own }, transfer);
      } else post({ kind: 'reply', id: request.id, value });
    } catch (error) {
      const code = error instanceof EmbeddedTransportError ? error.code : 'PROTOCOL';
      post({ kind: 'failure', id: request.id, code, message: error instanceof Error ? error.message : String(error) });
    }
  };
  port.on('message', (message: ClientMessage) => {
    if (message.op === 'settle') link.settle(message.tag, message.settlement);
    else void answer(message);
  });
  port.on('close', disconnect);
  return { disconnect };
}

function isDelivered(value: ReplyValue): value is DeliveredMessage {
  return typeof value === 'object' && value !== null && 'body' in value;
}
