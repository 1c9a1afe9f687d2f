/**
 * Clean-up that settling cannot wait for (ack() returns void, but the side queue of an
 * acked message must still be deleted): run in the background, failures reported, and
 * waited for by close() so a clean shutdown leaves nothing behind.
 */

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Background {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly log: (line: string) => void) {}

  /** Starts `task`; if it fails, `what` and the error are logged. */
  run(what: string, task: () => Promise<void>): void {
    const running: Promise<void> = Promise.resolve()
      .then(task)
      .catch((error: unknown) => this.log(`chunking: ${what}: ${messageOf(error)}`))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  /** Resolves when every task started so far has ended, or after `ms` (a broker outage must not hold close() forever). */
  async idle(ms: number): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    try {
      await Promise.race([Promise.all([...this.#running]), late]);
    } finally {
      clearTimeout(timer);
    }
    if (this.#running.size > 0) this.log(`chunking: closing with ${this.#running.size} clean-up task(s) unfinished after ${ms} ms`);
  }
}
