/**
 * Keeps one AMQP connection up: the transport state machine. On an unexpected close it
 * goes 'reconnecting', retries with exponential back-off, lets `restore` re-create
 * topology and consumers on the new connection, and only then goes 'connected', so
 * nothing is published before the queues it needs exist again. Operations wait in
 * `ready()` while the link is reconnecting or blocked.
 */
import type { ChannelModel } from 'amqplib';
import type { TransportState } from '../transport.js';
import { BrokerRefusedError, BrokerUnreachableError, isRefusal, messageOf, TransportClosedError } from './errors.js';
import { backoffMs, type ResolvedOptions } from './options.js';
import { Session } from './session.js';

export interface LinkDeps {
  readonly connect: (url: string) => Promise<ChannelModel>;
  readonly options: ResolvedOptions;
  /** Re-creates on a new session what the old one had; a failure closes it and tries again. */
  readonly restore: (session: Session) => Promise<void>;
}

interface Waiter {
  resolve(session: Session): void;
  reject(error: Error): void;
}

export class Link {
  #state: TransportState = 'connected';
  #session: Session | undefined;
  #closing = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #reconnecting: Promise<void> | undefined;
  readonly #waiters: Waiter[] = [];
  readonly #listeners = new Set<(state: TransportState) => void>();

  private constructor(private readonly deps: LinkDeps) {}

  /** Connects once (no retry: a broker that is not there at start-up is a configuration error). */
  static async open(deps: LinkDeps): Promise<Link> {
    const link = new Link(deps);
    let connection;
    try {
      connection = await deps.connect(deps.options.url);
    } catch (error) {
      throw isRefusal(error) ? new BrokerRefusedError(deps.options.url, { cause: error }) : new BrokerUnreachableError(deps.options.url, { cause: error });
    }
    link.#adopt(connection);
    return link;
  }

  get state(): TransportState {
    return this.#state;
  }

  /** The live session, if any, whatever the state. */
  get session(): Session | undefined {
    return this.#session;
  }

  onState(listener: (state: TransportState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The live session once the link is connected and not blocked. */
  ready(operation: string): Promise<Session> {
    if (this.#closing) return Promise.reject(new TransportClosedError(operation));
    if (this.#state === 'connected' && this.#session) return Promise.resolve(this.#session);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Runs `use` on a ready session; if the connection is lost meanwhile, waits for the
   * next one and runs it again (so `use` must be safe to repeat: at-least-once).
   */
  async run<T>(operation: string, use: (session: Session) => Promise<T>): Promise<T> {
    for (;;) {
      const session = await this.ready(operation);
      try {
        return await use(session);
      } catch (error) {
        if (session.alive) throw error;
        if (this.#closing) throw new TransportClosedError(operation);
        this.deps.options.log(`amqp: ${operation} interrupted by the connection loss; retrying once reconnected`);
      }
    }
  }

  /** Stops reconnecting, fails the waiting operations, closes the connection: state 'closed'. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new TransportClosedError('waiting for the connection'));
    await this.#reconnecting;
    const session = this.#session;
    if (session?.alive) {
      // amqplib's close waits for the broker's close-ok; if the socket dies meanwhile it
      // never calls back, but the connection does emit 'close': whichever comes first.
      const gone = new Promise<void>((resolve) => session.model.once('close', () => resolve()));
      const closed = session.model.close().catch((error: unknown) => this.deps.options.log(`amqp: closing the connection: ${messageOf(error)}`));
      await Promise.race([closed, gone]);
    }
    session?.markDead();
    this.#session = undefined;
    this.#setState('closed');
  }

  #adopt(model: ChannelModel): Session {
    const session = new Session(model, this.deps.options.log);
    const { log } = this.deps.options;
    model.on('error', (error: unknown) => log(`amqp: connection error: ${messageOf(error)}`));
    model.on('close', (error?: unknown) => this.#lost(session, error));
    model.on('blocked', (reason: string) => {
      log(`amqp: connection blocked by the broker: ${reason}`);
      session.blocked = true;
      if (session === this.#session && this.#state === 'connected') this.#setState('blocked');
    });
    model.on('unblocked', () => {
      log('amqp: connection unblocked');
      session.blocked = false;
      if (session === this.#session && this.#state === 'blocked') this.#setState('connected');
    });
    this.#session = session;
    return session;
  }

  #lost(session: Session, error: unknown): void {
    session.markDead();
    if (session !== this.#session || this.#closing) return;
    this.#session = undefined;
    this.deps.options.log(`amqp: connection lost${error === undefined ? '' : `: ${messageOf(error)}`}`);
    this.#setState('reconnecting');
    this.#schedule();
  }

  #schedule(): void {
    this.#attempt += 1;
    const delay = backoffMs(this.#attempt, this.deps.options.reconnect);
    this.deps.options.log(`amqp: reconnection attempt ${this.#attempt} in ${delay} ms`);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reconnecting = this.#reconnect().finally(() => (this.#reconnecting = undefined));
    }, delay);
  }

  async #reconnect(): Promise<void> {
    const { connect, options, restore } = this.deps;
    let model: ChannelModel;
    try {
      model = await connect(options.url);
    } catch (error) {
      options.log(`amqp: reconnection failed: ${messageOf(error)}`);
      if (!this.#closing) this.#schedule();
      return;
    }
    if (this.#closing) {
      await model.close().catch(() => undefined);
      return;
    }
    const session = this.#adopt(model);
    try {
      await restore(session);
    } catch (error) {
      options.log(`amqp: restoring after reconnection failed: ${messageOf(error)}`);
      // Closing it makes #lost schedule the next attempt (unless it is already dead).
      if (session.alive) await model.close().catch(() => undefined);
      return;
    }
    if (!session.alive || this.#closing) return;
    this.#attempt = 0;
    options.log('amqp: reconnected');
    this.#setState(session.blocked ? 'blocked' : 'connected');
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    if (state === 'connected' && this.#session) {
      const session = this.#session;
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(session);
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.deps.options.log(`amqp: a state listener threw: ${messageOf(error)}`);
      }
    }
  }
}
