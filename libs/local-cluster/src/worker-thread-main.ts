import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@pff/backend';
import { createLayerWorker } from '@pff/layer-worker';
import { connectBroker, createPortTransport, type Transport } from '@pff/transport';
import type { ThreadControl, ThreadReport, WorkerThreadData } from './thread-protocol.js';

const data = workerData as WorkerThreadData;
const post = (report: ThreadReport): void => parentPort?.postMessage(report);
const log = (line: string): void => post({ type: 'log', line: `[${data.replica}] ${line}` });

await initBackend(data.backend);
const transport: Transport = data.brokerUrl
  ? await connectBroker({ url: data.brokerUrl, log, ...(data.maxMessageBytes ? { maxMessageBytes: data.maxMessageBytes } : {}), ...(data.persistent === undefined ? {} : { persistent: data.persistent }) })
  : createPortTransport(data.port!, { takeBodies: true });
const worker = createLayerWorker({ transport, stage: data.stage, replica: data.replica, log });
await worker.start();
post({ type: 'ready' });

parentPort?.on('message', (message: ThreadControl) => {
  if (message.type === 'crash') process.exit(1);
  if (message.type !== 'stop') return;
  void (async () => {
    await worker.close();
    await transport.close();
    post({ type: 'stopped' });
    parentPort?.close();
  })();
});
