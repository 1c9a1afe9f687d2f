// Entry of the worker threads in embedded-threads.test.ts: a worker thread does not
// run TypeScript by itself, so register tsx's loader here, then load the real module.
import { register } from 'tsx/esm/api';

register();
await import('./embedded-worker.ts');
