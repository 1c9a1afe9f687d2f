/** What withChunking accepts, and the defaults it fills in. */

export interface ChunkingOptions {
  /**
   * The largest body sent as one message; a larger one is split into parts of at most
   * this many bytes. Default 4 MiB: well under RabbitMQ 4's default max_message_size of
   * 16 MiB, and small enough that one part does not hold a connection for long.
   */
  readonly maxBytes?: number;
  /**
   * How long a receiver waits for all the parts of a pointer to be in its side queue
   * before dead-lettering the pointer; default 10 000 ms. Parts are sent before their
   * pointer, so they are normally there at once; parts requeued by another client may
   * lag their pointer by a moment.
   */
  readonly partsWaitMs?: number;
  /** Most split broadcasts one subscription reassembles at once; a new one drops the oldest incomplete one. Default 16. */
  readonly maxPartialBroadcasts?: number;
  /** An incomplete split broadcast is dropped this long after its first chunk arrived; default 30 000 ms. */
  readonly broadcastTimeoutMs?: number;
  /** Where dropped broadcasts and failed clean-ups are reported (one line each); default: nowhere. */
  readonly log?: (line: string) => void;
}

export interface ChunkingSettings {
  readonly maxBytes: number;
  readonly partsWaitMs: number;
  readonly maxPartialBroadcasts: number;
  readonly broadcastTimeoutMs: number;
  readonly log: (line: string) => void;
}

export function resolveChunkingOptions(options: ChunkingOptions): ChunkingSettings {
  const settings = {
    maxBytes: options.maxBytes ?? 4 * 1024 * 1024,
    partsWaitMs: options.partsWaitMs ?? 10_000,
    maxPartialBroadcasts: options.maxPartialBroadcasts ?? 16,
    broadcastTimeoutMs: options.broadcastTimeoutMs ?? 30_000,
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`withChunking: ${name} must be a whole number >= 1, not ${value}`);
  }
  return Object.freeze({ ...settings, log: options.log ?? (() => undefined) });
}
