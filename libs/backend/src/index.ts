export { initBackend, BACKEND_KINDS, type BackendKind, type BackendInfo } from './init-backend.js';
