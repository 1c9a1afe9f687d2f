export { createHealthServer, type HealthServerDeps } from './health-server.js';
export { onShutdownSignal } from './signals.js';
export { serveUntilShutdown, type StoppableService } from './serve-until-shutdown.js';
