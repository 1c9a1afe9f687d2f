/** A saved model that cannot be read back; the message names the file and the problem. */
export class ModelFileError extends Error {
  readonly code = 'PFF_BAD_MODEL_FILE';
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
    this.name = 'ModelFileError';
  }
}
