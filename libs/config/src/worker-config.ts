import { loadConfig } from './load.js';
import { backendSetting, persistentMessagesSetting, maxMessageBytesSetting, portSetting, requiredBrokerUrlSetting } from './service-settings.js';

export interface WorkerConfig {
  brokerUrl: string;
  persistentMessages: boolean;
  maxMessageBytes: number;
  port: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  stage: number;
  replica: string;
  prefetch: number;
}

/** Settings of a layer-worker (`pff worker`); flags override them. */
export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<WorkerConfig> {
  return loadConfig<WorkerConfig>(
    {
      brokerUrl: requiredBrokerUrlSetting,
      persistentMessages: persistentMessagesSetting,
      maxMessageBytes: maxMessageBytesSetting,
      port: portSetting,
      backend: backendSetting,
      stage: { doc: 'pipeline stage this worker trains (0 = the first layers)', format: 'nat', default: 0, env: 'PFF_STAGE' },
      replica: { doc: 'this replica\'s name; empty = host name and process id', format: String, default: '', env: 'PFF_REPLICA' },
      prefetch: { doc: 'batches held at once (one training, the rest waiting)', format: 'nat', default: 2, env: 'PFF_PREFETCH' },
    },
    env,
  );
}
