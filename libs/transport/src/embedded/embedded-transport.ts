import type { Transport } from '../transport.js';
import type { EmbeddedBroker, PushScheduler } from './embedded-broker.js';
import { LinkedTransport, type EmbeddedTransportOptions } from './linked-transport.js';

/**
 * A client of `broker` in this thread (the scheduler in the main thread uses one).
 * Bodies are not copied on delivery: a consumer sees the bytes the broker stores, and
 * must not modify them (a requeued message would come back changed).
 */
export function createEmbeddedTransport(broker: EmbeddedBroker, options?: EmbeddedTransportOptions): Transport {
  return new LinkedTransport(broker.connect(later()), options);
}

/**
 * Runs pushes in a later macrotask, in batches: no handler runs inside a broker call
 * (an ack inside send, say), and a handler that acks at once cannot starve timers and I/O.
 */
function later(): PushScheduler {
  let batch: (() => void)[] = [];
  const run = (): void => {
    const due = batch;
    batch = [];
    const failures: unknown[] = [];
    for (const push of due) {
      try {
        push();
      } catch (error) {
        failures.push(error);
      }
    }
    // A subscriber that throws fails loudly, as an event listener would, after the others ran.
    if (failures.length > 0) throw failures[0];
  };
  return (push) => {
    if (batch.push(push) === 1) setImmediate(run);
  };
}
