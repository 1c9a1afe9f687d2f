/** Resolves after the event loop has turned once: timers and I/O waiting meanwhile run first. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs tasks one after another, in the order they were added. A stage trains one batch
 * at a time; everything that touches its weights goes through one of these. Training is
 * synchronous, so each task starts on a fresh turn of the event loop: between two batches
 * the AMQP heartbeats go out and the probes are answered, however many batches wait.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(nextTurn).then(task);
    this.tail = result.then(
      () => {
        this.pending--;
      },
      () => {
        this.pending--;
      },
    );
    return result;
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once every task added so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
