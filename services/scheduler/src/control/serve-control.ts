import { CONTROL_QUEUE, CONTROL_REPLIES_TOPIC, decodeMessage, encodeMessage, MessageError, type ControlRequest } from '@pff/contracts';
import type { Delivery, Subscription, Transport } from '@pff/transport';
import { answer, type ControlAnswer, type RunControl } from './answer.js';

export interface ControlServerDeps {
  readonly transport: Transport;
  readonly control: RunControl;
  readonly log: (line: string) => void;
  /** Runs waiting or training at once beyond which a create is refused with 429 (default 0: no bound). */
  readonly maxQueuedRuns?: number;
  /** Milliseconds since the epoch (requests carry their deadline in it). */
  readonly now?: () => number;
}

/**
 * Answers the API's control requests from CONTROL_QUEUE on CONTROL_REPLIES_TOPIC.
 * A malformed request is dead-lettered with its reason; one whose caller already gave up
 * (it waited while the scheduler was down) is dropped unanswered, so a create the API
 * reported as failed never happens later; an unexpected error is answered with a 500
 * that says nothing of the internals.
 */
export async function serveControl(deps: ControlServerDeps): Promise<Subscription> {
  const { transport, control, log } = deps;
  const now = deps.now ?? Date.now;
  const onRequest = async (delivery: Delivery): Promise<void> => {
    let request: ControlRequest;
    try {
      request = decodeMessage(delivery.body, ['control']).message;
    } catch (error) {
      const reason = error instanceof MessageError ? error.reason : String(error);
      log(`dead-lettered a control request: ${reason}`);
      await delivery.deadLetter(reason);
      return;
    }
    if (request.deadline < now()) {
      log(`dropped a ${request.op} request its caller gave up on`);
      delivery.ack();
      return;
    }
    let reply: ControlAnswer;
    try {
      reply = await answer(control, request, { maxQueuedRuns: deps.maxQueuedRuns ?? 0 });
    } catch (error) {
      log(`control ${request.op} failed: ${(error as Error).message}`);
      reply = { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: `the scheduler could not ${request.op} that run` } };
    }
    const message = encodeMessage({ kind: 'control-reply', id: request.id, to: request.from, status: reply.status, body: reply.body }, reply.tensors ?? []);
    await transport.broadcast(CONTROL_REPLIES_TOPIC, message);
    delivery.ack();
  };
  await transport.declareQueue(CONTROL_QUEUE);
  return transport.consume(CONTROL_QUEUE, onRequest, { prefetch: 8 });
}
