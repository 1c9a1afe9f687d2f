/**
 * Runs tasks one after another, in the order they were added. A stage trains one batch
 * at a time; everything that touches its weights goes through one of these.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
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
