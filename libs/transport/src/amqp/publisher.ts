/** Publishing through the session's confirm channel: resolves only once the broker has the message. */
import type { Headers } from '../transport.js';
import { PublishNotConfirmedError } from './errors.js';
import type { Session } from './session.js';

export interface Outgoing {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  /** A Transport message's Headers, or (for a dead-letter copy) the received table with ours added. */
  readonly headers: Headers | Readonly<Record<string, unknown>>;
  /** Written to disk by the broker, so it survives a broker restart (default true). */
  readonly persistent?: boolean;
}

/**
 * Publishes (persistently unless told otherwise) and waits for the confirm. publish()'s `false` (socket buffer
 * full) is not waited on separately: every caller already waits for its confirm, which
 * bounds what one caller can have in flight. A connection loss rejects (through
 * `session.failure`) with ConnectionLostError, which Link.run turns into a retry.
 */
export async function publishConfirmed(session: Session, message: Outgoing): Promise<void> {
  const channel = await session.confirmChannel();
  const { exchange, routingKey, content, headers, persistent = true } = message;
  try {
    await new Promise<void>((resolve, reject) => {
      channel.publish(exchange, routingKey, content, { persistent, headers }, (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(new PublishNotConfirmedError(exchange, routingKey, { cause: error }));
      });
    });
  } catch (error) {
    throw session.failure(`publish to '${exchange}' '${routingKey}'`, error);
  }
}
