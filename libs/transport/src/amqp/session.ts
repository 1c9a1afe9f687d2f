/**
 * One live AMQP connection and the channels shared on it. A session dies with its
 * connection and is never revived: after a reconnection everything is opened again on
 * a new Session, so a stale channel can always be recognised by its session.
 */
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { ConnectionLostError, messageOf } from './errors.js';

export class Session {
  #alive = true;
  /** The broker has told this connection to stop publishing (resource alarm). */
  blocked = false;
  #confirm: Promise<ConfirmChannel> | undefined;
  readonly #onDeath = new Set<() => void>();

  constructor(
    readonly model: ChannelModel,
    private readonly log: (line: string) => void,
  ) {}

  get alive(): boolean {
    return this.#alive;
  }

  /** Called once, when the connection has closed. */
  markDead(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const listener of this.#onDeath) listener();
    this.#onDeath.clear();
  }

  /** Runs `listener` when the session dies (at once if it is dead); returns the remover. */
  onDeath(listener: () => void): () => void {
    if (!this.#alive) {
      listener();
      return () => undefined;
    }
    this.#onDeath.add(listener);
    return () => this.#onDeath.delete(listener);
  }

  /** What an operation that failed on this session should throw: lost when the session died. */
  failure(operation: string, error: unknown): unknown {
    return this.#alive ? error : new ConnectionLostError(operation, { cause: error });
  }

  async openChannel(purpose: string): Promise<Channel> {
    try {
      return this.#watched(await this.model.createChannel(), purpose);
    } catch (error) {
      throw this.failure(`open ${purpose} channel`, error);
    }
  }

  /** Runs `use` on a channel of its own, closed afterwards: a broker error (404 and the like) kills only that channel. */
  async withChannel<T>(purpose: string, use: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.openChannel(purpose);
    try {
      return await use(channel);
    } catch (error) {
      throw this.failure(purpose, error);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** The confirm channel all publishing goes through; reopened if the broker closed it. */
  confirmChannel(): Promise<ConfirmChannel> {
    this.#confirm ??= this.#openConfirm();
    return this.#confirm;
  }

  /** Waits until every message published so far is confirmed (for a clean close). */
  async flushConfirms(): Promise<void> {
    const channel = await this.#confirm?.catch(() => undefined);
    await channel?.waitForConfirms();
  }

  async #openConfirm(): Promise<ConfirmChannel> {
    try {
      const channel = this.#watched(await this.model.createConfirmChannel(), 'publish');
      channel.on('close', () => (this.#confirm = undefined));
      return channel;
    } catch (error) {
      this.#confirm = undefined;
      throw this.failure('open the publish channel', error);
    }
  }

  #watched<C extends Channel>(channel: C, purpose: string): C {
    channel.on('error', (error: unknown) => this.log(`amqp: ${purpose} channel closed by the broker: ${messageOf(error)}`));
    return channel;
  }
}
