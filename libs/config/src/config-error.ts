/** A setting that fails validation at start-up; the message names the setting and its variable. */
export class ConfigError extends Error {
  readonly code = 'PFF_BAD_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
