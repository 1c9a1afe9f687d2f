export { loadTrainerConfig, type TrainerConfig } from './trainer-config.js';
export { ConfigError } from './config-error.js';
