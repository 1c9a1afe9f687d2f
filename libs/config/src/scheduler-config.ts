import type convict from 'convict';
import { loadConfig } from './load.js';
import { backendSetting, persistentMessagesSetting, maxMessageBytesSetting, dataDirSetting, portSetting, requiredBrokerUrlSetting, runDirSetting, maxRunsSetting } from './service-settings.js';

export interface SchedulerConfig {
  brokerUrl: string;
  persistentMessages: boolean;
  maxMessageBytes: number;
  port: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  dataDir: string;
  runDir: string;
  maxRuns: number;
}

/** The scheduler's settings (`pff serve` takes them too, with the broker optional). */
export const schedulerSettings: convict.Schema<SchedulerConfig> = {
  brokerUrl: requiredBrokerUrlSetting,
  persistentMessages: persistentMessagesSetting,
  maxMessageBytes: maxMessageBytesSetting,
  port: portSetting,
  backend: backendSetting,
  dataDir: dataDirSetting,
  runDir: runDirSetting,
  maxRuns: maxRunsSetting,
};

/** Settings of the scheduler (`pff scheduler`). */
export function loadSchedulerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<SchedulerConfig> {
  return loadConfig<SchedulerConfig>(schedulerSettings, env);
}
