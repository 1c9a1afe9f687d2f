import type convict from 'convict';
import { apiServiceSettings } from './api-config.js';
import { schedulerSettings } from './scheduler-config.js';
import { workerSettings } from './worker-config.js';

/** The roles a container runs (`pff <role>`), each with its settings schema. */
export const ROLE_SETTINGS = {
  api: apiServiceSettings,
  scheduler: schedulerSettings,
  worker: workerSettings,
} as const;

export type Role = keyof typeof ROLE_SETTINGS;

/** The environment names (PFF_…) a settings schema reads, in declaration order. */
export function settingEnvNames(schema: convict.Schema<unknown>): string[] {
  return Object.values(schema as Record<string, { env?: string }>).flatMap((s) => (s.env ? [s.env] : []));
}
