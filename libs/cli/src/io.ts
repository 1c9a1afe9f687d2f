/** Where a command writes and what it reads: passed in, so tests run the CLI in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The process whose signals end a long-running role (pff worker, pff scheduler). */
  readonly proc?: NodeJS.Process;
  /** Cores to use by default (os.availableParallelism() when absent). */
  readonly cores?: number;
}

/** A problem with what the user asked for: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
