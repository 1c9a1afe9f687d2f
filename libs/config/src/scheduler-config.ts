import { loadConfig } from './load.js';
import { backendSetting, persistentMessagesSetting, maxMessageBytesSetting, dataDirSetting, portSetting, requiredBrokerUrlSetting, runDirSetting } from './service-settings.js';

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

/** Settings of the scheduler (`pff scheduler`). */
export function loadSchedulerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<SchedulerConfig> {
  return loadConfig<SchedulerConfig>(
    {
      brokerUrl: requiredBrokerUrlSetting,
      persistentMessages: persistentMessagesSetting,
      maxMessageBytes: maxMessageBytesSetting,
      port: portSetting,
      backend: backendSetting,
      dataDir: dataDirSetting,
      runDir: runDirSetting,
      maxRuns: { doc: 'runs trained at once; more wait in the queue', format: 'nat', default: 2, env: 'PFF_MAX_RUNS' },
    },
    env,
  );
}
