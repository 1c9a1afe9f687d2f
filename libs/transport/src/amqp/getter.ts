/** The channel `get` takes messages on (manual acks), one per session, reopened if the broker closed it. */
import type { DeliveryChannel } from './delivery-channel.js';
import type { Session } from './session.js';

export class Getter {
  #current: { readonly session: Session; readonly via: Promise<DeliveryChannel> } | undefined;

  constructor(private readonly open: (session: Session) => Promise<DeliveryChannel>) {}

  async channelOn(session: Session): Promise<DeliveryChannel> {
    const current = this.#current;
    if (current?.session === session) {
      const via = await current.via.catch(() => undefined);
      if (via?.open) return via;
      if (this.#current !== current) return this.channelOn(session);
    }
    const via = this.open(session);
    this.#current = { session, via };
    return via;
  }
}
