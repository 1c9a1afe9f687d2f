/**
 * Lets the run loop wait for a condition that events make true: every event calls
 * `wake()`, and waiters whose condition holds resume. A waiter fails when the run is
 * aborted or when nothing happens for `stallMs` (a pipeline with no live worker).
 */
export class Waiter {
  private readonly waiting = new Set<{ check: () => boolean; resolve: () => void; reject: (e: Error) => void }>();
  private lastEvent: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: () => number,
    private readonly stallMs: number,
    private readonly describeStall: () => string,
    private readonly signal?: AbortSignal,
  ) {
    this.lastEvent = clock();
  }

  until(check: () => boolean): Promise<void> {
    this.signal?.throwIfAborted();
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.add({ check, resolve, reject });
      this.arm();
    });
  }

  /** Something happened: re-check every waiter. */
  wake(): void {
    this.lastEvent = this.clock();
    for (const w of this.waiting) {
      if (w.check()) {
        this.waiting.delete(w);
        w.resolve();
      }
    }
  }

  /** Fails every waiter (the run is over). */
  fail(error: Error): void {
    for (const w of this.waiting) w.reject(error);
    this.waiting.clear();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.signal?.aborted) this.fail(new Error('run aborted'));
      else if (this.clock() - this.lastEvent > this.stallMs) this.fail(new Error(`no progress for ${Math.round(this.stallMs / 1000)} s: ${this.describeStall()}`));
      if (this.waiting.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, 200);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
