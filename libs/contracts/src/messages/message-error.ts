/**
 * A queue message that cannot be accepted. `reason` names the problem; the receiver
 * dead-letters the message with it and carries on.
 */
export class MessageError extends Error {
  readonly code = 'PFF_BAD_MESSAGE';

  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`bad message: ${reason}`, options);
    this.name = 'MessageError';
  }
}
