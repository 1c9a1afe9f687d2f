export { createHealthServer, type HealthServerDeps } from './health-server.js';
export { onShutdownSignal } from './signals.js';
