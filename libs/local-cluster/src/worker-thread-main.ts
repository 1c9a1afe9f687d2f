import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@pff/backend';
import { createLayerWorker } from '@pff/layer-worker';
import { createMetricsRegistry, StageMetrics, withTransportMetrics } from '@pff/telemetry';
import { connectBroker, createPortTransport, type Transport } from '@pff/transport';
import type { ThreadControl, ThreadReport, WorkerThreadData } from './thread-protocol.js';

const data = workerData as WorkerThreadData;
const post = (report: ThreadReport): void => parentPort?.postMessage(report);
const log = (line: string): void => post({ type: 'log', line: `[${data.replica}] ${line}` });

await initBackend(data.backend);
// Process-wide metrics (memory, CPU) are the parent's; a thread reports its own work.
const registry = createMetricsRegistry('worker', { processMetrics: false });
const broker: Transport = data.brokerUrl
  ? await connectBroker({ url: data.brokerUrl, log, ...(data.maxMessageBytes ? { maxMessageBytes: data.maxMessageBytes } : {}), ...(data.persistent === undefined ? {} : { persistent: data.persistent }) })
  : createPortTransport(data.port!, { takeBodies: true });
const transport = withTransportMetrics(broker, registry);
const worker = createLayerWorker({ transport, stage: data.stage, replica: data.replica, log, metrics: new StageMetrics(registry) });
await worker.start();
post({ type: 'ready' });

parentPort?.on('message', (message: ThreadControl) => {
  if (message.type === 'crash') process.exit(1);
  if (message.type === 'metrics') {
    void registry.getMetricsAsJSON().then((snapshot) => post({ type: 'metrics', id: message.id, snapshot }));
    return;
  }
  void (async () => {
    await worker.close();
    await transport.close();
    post({ type: 'stopped' });
    parentPort?.close();
  })();
});
