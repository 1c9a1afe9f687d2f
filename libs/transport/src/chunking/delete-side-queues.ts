/**
 * What deleteQueue does first through withChunking: the side queues of the pointers
 * waiting in a queue are deleted with it, or nothing could ever reach them again.
 */
import type { Transport } from '../transport.js';
import { isSideQueue } from './pointer.js';
import { PARTS_QUEUE_HEADER } from './reserved-headers.js';

/**
 * Takes the messages ready in `queue` (as many as were ready when it began: a busy
 * sender cannot keep it going), deletes the side queue of each pointer among them, and
 * acks them all (the queue is about to be deleted anyway). A missing queue has none.
 */
export async function deleteSideQueuesIn(inner: Transport, queue: string): Promise<void> {
  const ready = await inner.queueStats(queue).then((stats) => stats.ready, () => 0);
  for (let taken = 0; taken < ready; taken++) {
    const delivery = await inner.get(queue);
    if (delivery === null) return;
    const partsQueue = delivery.headers[PARTS_QUEUE_HEADER];
    try {
      if (typeof partsQueue === 'string' && isSideQueue(partsQueue)) await inner.deleteQueue(partsQueue);
    } catch (error) {
      delivery.requeue();
      throw error;
    }
    delivery.ack();
  }
}
