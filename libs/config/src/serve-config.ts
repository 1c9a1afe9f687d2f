import { availableParallelism } from 'node:os';
import type convict from 'convict';
import { apiSettings, type RateLimit, type RunLimits } from './api-config.js';
import { loadConfig } from './load.js';
import { schedulerSettings, type SchedulerConfig } from './scheduler-config.js';
import { brokerUrlSetting } from './service-settings.js';

export interface ServeConfig extends SchedulerConfig, RunLimits, RateLimit {
  apiToken: string;
  requestTimeoutMs: number;
  readCacheMs: number;
  defaultWorkers: number;
}

/** The settings of `pff serve`: the scheduler's and the API's, with the broker optional. */
export const serveSettings: convict.Schema<ServeConfig> = {
  ...schedulerSettings,
  brokerUrl: brokerUrlSetting,
  apiToken: {
    doc: 'bearer token of the API; empty = a random one, printed at start-up',
    default: '',
    env: 'PFF_API_TOKEN',
    sensitive: true,
    format: (value: unknown) => {
      if (typeof value !== 'string' || (value.length > 0 && value.length < 16)) throw new Error('must be empty or at least 16 characters');
    },
  },
  ...apiSettings,
  // One machine: a run uses every core unless its spec says otherwise, as `pff train` does.
  defaultWorkers: { ...apiSettings.defaultWorkers, default: availableParallelism() },
  // One user on their own machine (127.0.0.1 unless --host says otherwise): no rate limit unless asked.
  rateLimitMax: { ...apiSettings.rateLimitMax, default: 0 },
};

/** Settings of `pff serve`: the whole stack on one machine (embedded broker unless PFF_BROKER_URL is set). */
export function loadServeConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ServeConfig> {
  return loadConfig<ServeConfig>(serveSettings, env);
}
