// Entry of a layer-worker thread. Threads do not share the parent's module loader, so
// TypeScript support is registered here before the real entry is imported.
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread-main.ts');
