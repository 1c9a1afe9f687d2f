import type convict from 'convict';
import type { BrokerCredentials } from './broker-credentials.js';
import { loadConfig } from './load.js';
import { serviceRoleSettings } from './service-settings.js';

export interface WorkerConfig extends BrokerCredentials {
  persistentMessages: boolean;
  maxMessageBytes: number;
  port: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  stage: number;
  replica: string;
  prefetch: number;
}

/** The settings of a layer-worker, each with its PFF_ environment name. */
export const workerSettings: convict.Schema<WorkerConfig> = {
  ...serviceRoleSettings,
  stage: { doc: 'pipeline stage this worker trains (0 = the first layers)', format: 'whole', default: 0, env: 'PFF_STAGE' },
  replica: { doc: 'this replica\'s name; empty = host name and process id', format: String, default: '', env: 'PFF_REPLICA' },
  prefetch: { doc: 'batches held at once (one training, the rest waiting)', format: 'whole', default: 2, env: 'PFF_PREFETCH' },
};

/** Settings of a layer-worker (`pff worker`); flags override them. */
export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<WorkerConfig> {
  return loadConfig<WorkerConfig>(workerSettings, env);
}
