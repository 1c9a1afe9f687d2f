import type convict from 'convict';
import type { BrokerCredentials } from './broker-credentials.js';
import { loadConfig } from './load.js';
import { commitEverySetting, dataDirSetting, runDirSetting, maxQueuedRunsSetting, maxRunsSetting, serviceRoleSettings } from './service-settings.js';

export interface SchedulerConfig extends BrokerCredentials {
  persistentMessages: boolean;
  maxMessageBytes: number;
  port: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  dataDir: string;
  runDir: string;
  maxRuns: number;
  /** Runs waiting or training at once; creates beyond it are refused (0 = no bound). */
  maxQueuedRuns: number;
  /** Batches a worker trains between commits (see PipelineOptions.commitEvery). */
  commitEvery: number;
}

/** The scheduler's settings (`pff serve` takes them too, with the broker optional). */
export const schedulerSettings: convict.Schema<SchedulerConfig> = {
  ...serviceRoleSettings,
  dataDir: dataDirSetting,
  runDir: runDirSetting,
  maxRuns: maxRunsSetting,
  maxQueuedRuns: maxQueuedRunsSetting,
  commitEvery: commitEverySetting,
};

/** Settings of the scheduler (`pff scheduler`). */
export function loadSchedulerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<SchedulerConfig> {
  return loadConfig<SchedulerConfig>(schedulerSettings, env);
}
