/** A run spec (from the CLI, the API or a queue) that does not validate; `field` names the culprit. */
export class InvalidSpecError extends Error {
  readonly code = 'PFF_INVALID_SPEC';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'InvalidSpecError';
  }
}
