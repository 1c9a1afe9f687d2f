export type EmbeddedErrorCode =
  /** The queue was never declared, or was deleted. */
  | 'QUEUE_NOT_FOUND'
  /** The transport was closed by its owner. */
  | 'CLOSED'
  /** The broker's side of a MessagePort went away (the broker's owner closed it). */
  | 'DISCONNECTED'
  /** A consume option out of range (prefetch must be a whole number >= 1). */
  | 'BAD_OPTION'
  /** A MessagePort carried something that is not part of the protocol. */
  | 'PROTOCOL';

/** What the embedded broker and its transports reject with; `code` says which case. */
export class EmbeddedTransportError extends Error {
  constructor(
    readonly code: EmbeddedErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmbeddedTransportError';
  }
}
