/**
 * The side queues this client declared, until it has seen each one finished. Needed
 * because the AMQP transport remembers every queue declared through it (to declare it
 * again after a reconnection) until that same client deletes it, while a side queue is
 * deleted by whichever client settles its message. Unchecked, a sender would remember
 * every large message it ever sent, and a reconnection would bring all their side
 * queues back, empty, for good. So each send checks the two oldest side queues on
 * record: one that is gone is deleted once more (nothing on the broker; the transport
 * forgets it), one that still exists goes to the back of the line.
 */
import type { Transport } from '../transport.js';
import type { Background } from './background.js';
import { probeQueue } from './probe-queue.js';

const CHECKS_PER_SEND = 2;

export class SentSideQueues {
  readonly #line: string[] = [];
  #checking = false;

  constructor(
    private readonly inner: Transport,
    private readonly background: Background,
  ) {}

  /** Records a side queue just declared, and checks older ones in the background. */
  add(partsQueue: string): void {
    const older = this.#line.length;
    this.#line.push(partsQueue);
    if (older === 0 || this.#checking) return;
    this.#checking = true;
    this.background.run('checking finished side queues', () => this.#check(Math.min(CHECKS_PER_SEND, older)).finally(() => (this.#checking = false)));
  }

  async #check(count: number): Promise<void> {
    for (let checked = 0; checked < count; checked++) {
      const oldest = this.#line.shift();
      if (oldest === undefined) return;
      if ((await probeQueue(this.inner, oldest)) !== 'missing') {
        this.#line.push(oldest);
        continue;
      }
      await this.inner.deleteQueue(oldest).catch((error: unknown) => {
        this.#line.push(oldest);
        throw error;
      });
    }
  }
}
