/**
 * A consumer in a worker thread, for embedded-threads.test.ts: consumes one queue of the
 * main thread's EmbeddedBroker through createPortTransport and reports every delivery to
 * the parent. 'ack' acks each one; 'hold' never settles. Message 'close' from the parent
 * closes the transport (the thread then ends by itself); 'crash' throws an uncaught error,
 * which kills the thread.
 */
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { createPortTransport } from '../src/index.js';

export interface WorkerConfig {
  readonly port: MessagePort;
  readonly queue: string;
  readonly prefetch: number;
  readonly mode: 'ack' | 'hold';
}

export type WorkerReport =
  | { readonly kind: 'ready' }
  | { readonly kind: 'received'; readonly text: string; readonly redelivered: boolean }
  | { readonly kind: 'closed' };

function configOf(data: unknown): WorkerConfig {
  const config = data as Partial<WorkerConfig> | null;
  if (!(config?.port instanceof MessagePort) || typeof config.queue !== 'string' || typeof config.prefetch !== 'number'
    || !['ack', 'hold'].includes(config.mode ?? '')) {
    throw new Error('embedded-worker: workerData must be { port, queue, prefetch, mode }');
  }
  return config as WorkerConfig;
}

const parent = parentPort;
if (parent === null) throw new Error('embedded-worker runs in a worker thread');
const report = (message: WorkerReport): void => parent.postMessage(message);
const { port, queue, prefetch, mode } = configOf(workerData);
const decoder = new TextDecoder();
const transport = createPortTransport(port);

await transport.consume(queue, (delivery) => {
  report({ kind: 'received', text: decoder.decode(delivery.body), redelivered: delivery.redelivered });
  if (mode === 'ack') delivery.ack();
}, { prefetch });
report({ kind: 'ready' });

parent.on('message', (message: unknown) => {
  if (message === 'crash') throw new Error('embedded-worker: crash on purpose');
  if (message !== 'close') return;
  void transport.close().then(() => {
    report({ kind: 'closed' });
    parent.close();
  });
});
