export { loadTrainerConfig, type TrainerConfig } from './trainer-config.js';
export { loadWorkerConfig, type WorkerConfig } from './worker-config.js';
export { loadSchedulerConfig, type SchedulerConfig } from './scheduler-config.js';
export { ConfigError } from './config-error.js';
export { loadApiConfig, apiSettings, apiTokenSetting, type ApiConfig, type RunLimits } from './api-config.js';
export { loadServeConfig, type ServeConfig } from './serve-config.js';
