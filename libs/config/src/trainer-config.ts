import type convict from 'convict';
import { loadConfig } from './load.js';
import { backendSetting, persistentMessagesSetting, brokerUrlSetting, dataDirSetting, runDirSetting } from './service-settings.js';

export interface TrainerConfig {
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  dataDir: string;
  runDir: string;
  brokerUrl: string;
  persistentMessages: boolean;
}

/** The settings of a process that trains (`pff train`, `pff bench`, `pff eval`). */
export const trainerSettings: convict.Schema<TrainerConfig> = {
  backend: backendSetting, dataDir: dataDirSetting, runDir: runDirSetting, brokerUrl: brokerUrlSetting, persistentMessages: persistentMessagesSetting,
};

/** Settings of a process that trains (`pff train`, `pff bench`); flags override them. */
export function loadTrainerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<TrainerConfig> {
  return loadConfig<TrainerConfig>(trainerSettings, env);
}
