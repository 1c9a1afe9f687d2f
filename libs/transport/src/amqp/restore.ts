/**
 * What a new session needs before it is used: the recorded queues, exchanges and
 * bindings declared again, then every consumer and subscription that was not cancelled
 * started again. One that fails on a live connection (its queue vanished, say) is
 * dropped with a log line rather than failing the whole reconnection for ever.
 */
import type { Consumer } from './consumer.js';
import { messageOf } from './errors.js';
import type { Session } from './session.js';
import type { Subscriber } from './subscriber.js';
import type { Topology } from './topology.js';

export interface Restorable {
  readonly topology: Topology;
  readonly consumers: Set<Consumer>;
  readonly subscribers: Set<Subscriber>;
  readonly log: (line: string) => void;
}

export async function restoreOn(session: Session, what: Restorable): Promise<void> {
  await session.withChannel('redeclare topology', (channel) => what.topology.redeclareOn(channel));
  const restarts = [
    ...[...what.consumers].map((consumer) => ({ name: `consumer of ${consumer.queue}`, start: () => consumer.ensureOn(session), drop: () => what.consumers.delete(consumer) })),
    ...[...what.subscribers].map((subscriber) => ({ name: `subscriber of ${subscriber.topic}`, start: () => subscriber.ensureOn(session), drop: () => what.subscribers.delete(subscriber) })),
  ];
  for (const { name, start, drop } of restarts) {
    try {
      await start();
    } catch (error) {
      if (!session.alive) throw error;
      what.log(`amqp: could not restore the ${name}, dropped: ${messageOf(error)}`);
      drop();
    }
  }
}
