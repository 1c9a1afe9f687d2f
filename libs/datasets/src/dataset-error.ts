export type DatasetErrorCode = 'MISSING_DIR' | 'MISSING_FILE' | 'TRUNCATED' | 'BAD_MAGIC' | 'BAD_FORMAT' | 'MISMATCH';

/** A dataset that cannot be read; the message names the file and what is wrong with it. */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
    this.name = 'DatasetError';
  }
}
