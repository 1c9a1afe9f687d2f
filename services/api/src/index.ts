export { buildApiApp, BODY_LIMIT_BYTES, type ApiAppDeps } from './build-app.js';
export { createApiService, type ApiService, type ApiServiceDeps } from './create-api-service.js';
export { createSchedulerClient, SchedulerUnavailableError, type SchedulerClient } from './scheduler-client.js';
export { ModelCache } from './model-cache.js';
export { withReadCache } from './caching-scheduler.js';
export { runApiMain } from './main.js';
