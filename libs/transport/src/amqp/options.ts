/** What createAmqpTransport accepts, and the defaults it fills in. */

export interface AmqpTransportOptions {
  /** amqp://user:pass@host:port/vhost; a `heartbeat` query parameter in it wins over heartbeatSeconds. */
  readonly url: string;
  /** Prefetch for a consume() call whose options carry none (callers from plain JavaScript); default 1. */
  readonly prefetchDefault?: number;
  /** AMQP heartbeat, so a dead peer is noticed within about twice this; default 10. */
  readonly heartbeatSeconds?: number;
  /**
   * How long opening a connection may take, handshake included, before it counts as
   * failed (a broker address that swallows packets); default 10 s.
   */
  readonly connectTimeoutMs?: number;
  /** Exponential back-off between reconnection attempts; default 200 ms doubling to 10 s. */
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number };
  /** Where connection events are reported (one line each); default: nowhere. */
  readonly log?: (line: string) => void;
  /**
   * Whether sent messages are persistent (default true): they survive a broker restart,
   * at the price of the broker writing each to disk before it confirms.
   */
  readonly persistent?: boolean;
}

export interface ResolvedOptions {
  readonly url: string;
  readonly prefetchDefault: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly connectTimeoutMs: number;
  readonly log: (line: string) => void;
  readonly persistent: boolean;
}

export function resolveOptions(options: AmqpTransportOptions): ResolvedOptions {
  const heartbeatSeconds = options.heartbeatSeconds ?? 10;
  const reconnect = options.reconnect ?? { initialMs: 200, maxMs: 10_000 };
  const prefetchDefault = options.prefetchDefault ?? 1;
  if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 0) throw new RangeError(`heartbeatSeconds must be a whole number >= 0, not ${heartbeatSeconds}`);
  if (!(reconnect.initialMs > 0 && reconnect.maxMs >= reconnect.initialMs)) {
    throw new RangeError(`reconnect needs 0 < initialMs <= maxMs, not ${reconnect.initialMs}..${reconnect.maxMs}`);
  }
  checkPrefetch(prefetchDefault);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) throw new RangeError(`connectTimeoutMs must be a whole number of ms >= 1, not ${connectTimeoutMs}`);
  const url = new URL(options.url);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(heartbeatSeconds));
  return Object.freeze({ url: url.toString(), prefetchDefault, reconnect, connectTimeoutMs, log: options.log ?? (() => undefined), persistent: options.persistent ?? true });
}

export function checkPrefetch(prefetch: number): number {
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) throw new RangeError(`prefetch must be a whole number from 1 to 65535, not ${prefetch}`);
  return prefetch;
}

/** The delay before reconnection attempt `attempt` (1, 2, …): doubling from initialMs, capped at maxMs, less up to 20 % jitter. */
export function backoffMs(attempt: number, reconnect: ResolvedOptions['reconnect'], random: () => number = Math.random): number {
  const base = Math.min(reconnect.maxMs, reconnect.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - 0.2 * random()));
}
