export { loadTrainerConfig, trainerSettings, type TrainerConfig } from './trainer-config.js';
export { loadWorkerConfig, workerSettings, type WorkerConfig } from './worker-config.js';
export { loadSchedulerConfig, schedulerSettings, type SchedulerConfig } from './scheduler-config.js';
export { ConfigError } from './config-error.js';
export { loadApiConfig, apiSettings, apiServiceSettings, apiTokenSetting, type ApiConfig, type RateLimit, type RunLimits } from './api-config.js';
export { loadServeConfig, serveSettings, type ServeConfig } from './serve-config.js';
export { withBrokerCredentials, type BrokerCredentials } from './broker-credentials.js';
export { ROLE_SETTINGS, settingEnvNames, type Role } from './roles.js';
