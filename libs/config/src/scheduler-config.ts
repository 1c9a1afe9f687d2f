import type convict from 'convict';
import type { BrokerCredentials } from './broker-credentials.js';
import { loadConfig } from './load.js';
import { brokerPasswordSetting, brokerUsernameSetting, backendSetting, persistentMessagesSetting, maxMessageBytesSetting, dataDirSetting, portSetting, requiredBrokerUrlSetting, runDirSetting, maxRunsSetting } from './service-settings.js';

export interface SchedulerConfig extends BrokerCredentials {
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
  brokerUsername: brokerUsernameSetting,
  brokerPassword: brokerPasswordSetting,
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
