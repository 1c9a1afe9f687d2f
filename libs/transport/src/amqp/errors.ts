/** The named errors this transport raises, each with a `code` to branch on. */

export class TransportClosedError extends Error {
  readonly code = 'TRANSPORT_CLOSED';
  override readonly name = 'TransportClosedError';
  constructor(operation: string) {
    super(`${operation}: the transport is closed`);
  }
}

/** The connection went away while an operation was using it; the operation is retried on the next one. */
export class ConnectionLostError extends Error {
  readonly code = 'CONNECTION_LOST';
  override readonly name = 'ConnectionLostError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`${operation}: the connection was lost`, options);
  }
}

export class PublishNotConfirmedError extends Error {
  readonly code = 'PUBLISH_NOT_CONFIRMED';
  override readonly name = 'PublishNotConfirmedError';
  constructor(exchange: string, routingKey: string, options?: { cause?: unknown }) {
    super(`the broker did not confirm a message for exchange '${exchange}' routing key '${routingKey}' (nacked, or its channel was closed)`, options);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first connection failed; the URL is shown without its password. */
export class BrokerUnreachableError extends Error {
  readonly code = 'BROKER_UNREACHABLE';
  override readonly name = 'BrokerUnreachableError';
  constructor(url: string, options?: { cause?: unknown }) {
    super(`cannot connect to the broker at ${redactUrl(url)}: ${messageOf(options?.cause)}`, options);
  }
}

/**
 * The broker answered and refused the credentials (or the vhost): waiting does not
 * help, so it is not retried. The URL is shown without its password.
 */
export class BrokerRefusedError extends Error {
  readonly code = 'BROKER_REFUSED';
  override readonly name = 'BrokerRefusedError';
  constructor(url: string, options?: { cause?: unknown }) {
    super(`the broker at ${redactUrl(url)} refused the connection: ${messageOf(options?.cause)} (check PFF_BROKER_USERNAME, PFF_BROKER_PASSWORD and the URL's vhost)`, options);
  }
}

/** Whether amqplib's handshake error is the broker refusing us (403 ACCESS_REFUSED, 530 NOT_ALLOWED for a vhost). */
export function isRefusal(error: unknown): boolean {
  return /\b(403|530)\b.*(ACCESS.REFUSED|NOT.ALLOWED)/.test(messageOf(error));
}

/** A URL fit for logs and errors: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
