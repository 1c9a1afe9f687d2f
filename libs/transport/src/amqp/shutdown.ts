/**
 * close() for the AMQP transport, as a sequence: stop intake (cancel consumers, which
 * sends their unsettled deliveries back), drop subscriptions, flush confirms, close the
 * connection. Each step runs even if one before it failed; failures are logged.
 */
import type { Consumer } from './consumer.js';
import { messageOf } from './errors.js';
import type { Link } from './link.js';
import type { Subscriber } from './subscriber.js';

/** How long close() waits for outstanding confirms (a blocked broker may never send them). */
const FLUSH_MS = 5_000;

export interface ClosableParts {
  readonly link: Link;
  readonly consumers: Set<Consumer>;
  readonly subscribers: Set<Subscriber>;
  readonly log: (line: string) => void;
}

export async function closeAll({ link, consumers, subscribers, log }: ClosableParts): Promise<void> {
  const attempt = async (step: string, run: () => Promise<unknown>): Promise<void> => {
    await run().catch((error: unknown) => log(`amqp: close: ${step}: ${messageOf(error)}`));
  };
  await attempt('closing consumers', () => Promise.all([...consumers].map((consumer) => consumer.close())));
  await attempt('cancelling subscriptions', () => Promise.all([...subscribers].map((subscriber) => subscriber.cancel())));
  consumers.clear();
  subscribers.clear();
  await attempt('flushing confirms', () => boundedBy(FLUSH_MS, link.session?.alive ? link.session.flushConfirms() : Promise.resolve()));
  await attempt('closing the connection', () => link.close());
}

function boundedBy(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`gave up after ${ms} ms`)), ms)));
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}
