import convict from 'convict';
import { withBrokerCredentials } from './broker-credentials.js';
import { ConfigError } from './config-error.js';
import { STRICT_FORMATS } from './formats.js';

// Every schema is built here, so the formats are registered before any names them.
convict.addFormats(STRICT_FORMATS);

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds, validates (strictly) and freezes a config from a convict schema and the
 * given environment. The environment is an argument: nothing else reads process.env.
 * Broker credentials given apart (PFF_BROKER_USERNAME/PASSWORD) are written into the URL.
 */
export function loadConfig<T>(schema: convict.Schema<T>, env: Env): Readonly<T> {
  const config = convict(schema, { env: { ...env }, args: [] });
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${withEnvNames(schema, (err as Error).message)}`, { cause: err });
  }
  return Object.freeze(withBrokerCredentials(config.getProperties() as T & object));
}

/** convict names the setting; add the environment variable users actually set. */
function withEnvNames<T>(schema: convict.Schema<T>, message: string): string {
  let out = message;
  for (const [key, value] of Object.entries(schema as Record<string, { env?: string }>)) {
    if (value.env) out = out.replace(new RegExp(`^${key}:`, 'm'), `${key} (${value.env}):`);
  }
  return out;
}
