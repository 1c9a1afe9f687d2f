/** Publishing through the session's confirm channel: resolves only once the broker has the message. */
import type { Headers } from '../transport.js';
import { PublishNotConfirmedError } from './errors.js';
import type { Session } from './session.js';

export interface Outgoing {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly headers: Headers;
}

/**
 * Publishes persistently and waits for the confirm. A connection loss rejects (through
 * `session.failure`) with ConnectionLostError, which Link.run turns into a retry.
 */
export async function publishConfirmed(session: Session, message: Outgoing): Promise<void> {
  const channel = await session.confirmChannel();
  const { exchange, routingKey, content, headers } = message;
  try {
    await new Promise<void>((resolve, reject) => {
      channel.publish(exchange, routingKey, content, { persistent: true, headers }, (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(new PublishNotConfirmedError(exchange, routingKey, { cause: error }));
      });
    });
  } catch (error) {
    throw session.failure(`publish to '${exchange}' '${routingKey}'`, error);
  }
}
