import type { BrokerLink } from './broker-link.js';
import { withOwnBody, type PortRequest, type ReplyValue, type ServerMessage } from './port-protocol.js';

export type Post = (message: ServerMessage, transfer?: ArrayBuffer[]) => void;

/**
 * Carries out a port client's requests on its broker link. Deliveries and broadcasts go
 * out through `post` under the ids the client chose, each with its own copy of the body.
 */
export function requestPerformer(link: BrokerLink, post: Post): (request: PortRequest) => Promise<ReplyValue> {
  /** The client's consumer and subscription ids, to the link's. */
  const linkIds = new Map<number, number>();
  const register = async (clientId: number, linkId: Promise<number>): Promise<void> => {
    linkIds.set(clientId, await linkId);
  };

  return async (request) => {
    switch (request.op) {
      case 'declareQueue': return link.declareQueue(request.queue);
      case 'deleteQueue': return link.deleteQueue(request.queue);
      case 'send': return link.send(request.queue, request.body, request.headers);
      case 'get': return link.get(request.queue);
      case 'deadLetter': return link.deadLetter(request.tag, request.reason);
      case 'broadcast': return link.broadcast(request.topic, request.body, request.headers);
      case 'queueStats': return link.queueStats(request.queue);
      case 'disconnect': return link.disconnect();
      case 'consume': {
        const { consumer } = request;
        return register(consumer, link.consume(request.queue, request.prefetch, (message) => {
          const [own, transfer] = withOwnBody(message);
          post({ kind: 'delivery', consumer, message: own }, transfer);
        }));
      }
      case 'subscribe': {
        const { subscription } = request;
        return register(subscription, link.subscribe(request.topic, (message) => {
          const [own, transfer] = withOwnBody(message);
          post({ kind: 'broadcast', subscription, message: own }, transfer);
        }));
      }
      case 'cancel': {
        const linkId = linkIds.get(request.subscription);
        linkIds.delete(request.subscription);
        return linkId === undefined ? undefined : link.cancel(linkId);
      }
    }
  };
}
