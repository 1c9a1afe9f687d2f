/** Something started once per session (a consumer's channel, say), remembered until the session changes. */
import type { Session } from './session.js';

export class PerSession<T> {
  #current: { readonly session: Session; readonly value: Promise<T> } | undefined;

  /** The value started on `session`, starting it with `start` if this session has none yet. */
  on(session: Session, start: (session: Session) => Promise<T>): Promise<T> {
    if (this.#current?.session !== session) this.#current = { session, value: start(session) };
    return this.#current.value;
  }

  /** Forgets the current value and returns it (with its session), for shutting it down. */
  take(): { readonly session: Session; readonly value: Promise<T> } | undefined {
    const current = this.#current;
    this.#current = undefined;
    return current;
  }
}
