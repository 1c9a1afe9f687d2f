import { randomUUID } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import {
  connectBroker,
  createEmbeddedTransport,
  EmbeddedBroker,
  serveBrokerPort,
  type Transport,
} from '@pff/transport';
import type { MetricsSnapshot } from '@pff/telemetry';
import type { ThreadControl, ThreadReport, WorkerThreadData } from './thread-protocol.js';

export interface LocalClusterOptions {
  /** RabbitMQ URL; absent = the embedded broker, in this process. */
  readonly brokerUrl?: string;
  readonly backend: WorkerThreadData['backend'];
  /** With a broker: messages above this travel in parts (default 4 MiB). */
  readonly maxMessageBytes?: number;
  /** With a broker: whether messages are persistent (default true). */
  readonly persistentMessages?: boolean;
  readonly log?: (line: string) => void;
}

/** One layer-worker thread. */
export interface WorkerHandle {
  readonly stage: number;
  readonly replica: string;
  /** Graceful: the worker finishes the batch in hand and leaves. */
  stop(): Promise<void>;
  /** Abrupt, as an operator's kill: unsettled batches go back to the queue; no replacement. */
  kill(): Promise<void>;
  /** Fault injection: the thread dies on its own (exit code 1), as in a crash; the cluster replaces it. */
  crash(): Promise<void>;
  /** The thread's Prometheus metrics (empty when it does not answer within a second). */
  metrics(): Promise<MetricsSnapshot>;
}

export interface LocalCluster {
  /** The scheduler's transport (same broker as the workers'). */
  readonly transport: Transport;
  addWorker(stage: number): Promise<WorkerHandle>;
  readonly workers: readonly WorkerHandle[];
  /** Every worker thread's Prometheus metrics. */
  metrics(): Promise<MetricsSnapshot[]>;
  /** Stops every worker gracefully, then the transport and broker. Idempotent. */
  close(): Promise<void>;
}

const ENTRY = new URL('./worker-thread.mjs', import.meta.url);

/**
 * Layer-workers in threads of this process, so that one machine trains on every core:
 * with the embedded broker (no broker to install) or against RabbitMQ.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const log = options.log ?? (() => undefined);
  const broker = options.brokerUrl ? null : new EmbeddedBroker();
  const transport = options.brokerUrl ? await connectBroker({ url: options.brokerUrl, log, ...brokerSettings(options) }) : createEmbeddedTransport(broker!, { takeBodies: true });
  const workers: WorkerHandle[] = [];
  let closing: Promise<void> | null = null;

  const addWorker = async (stage: number): Promise<WorkerHandle> => {
    const replica = `thread-${stage}-${randomUUID().slice(0, 8)}`;
    const channel = broker ? new MessageChannel() : null;
    const server = broker && channel ? serveBrokerPort(broker, channel.port1) : null;
    const data: WorkerThreadData = {
      stage, replica, backend: options.backend,
      ...(options.brokerUrl ? { brokerUrl: options.brokerUrl } : { port: channel!.port2 }),
      ...brokerSettings(options),
    };
    const thread = new Worker(ENTRY, { workerData: data, transferList: channel ? [channel.port2] : [] });
    let ready = false;
    let ending = false;
    let handle: WorkerHandle | null = null;
    let asked = 0;
    const answers = new Map<number, (snapshot: MetricsSnapshot) => void>();
    const send = (control: ThreadControl): void => thread.postMessage(control);
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    void exited.then(() => {
      for (const answer of [...answers.values()]) answer([]);
      server?.disconnect();
      if (handle) workers.splice(workers.indexOf(handle), 1);
      // A worker that dies on its own (a crash) is replaced, as a Deployment would do;
      // its unacknowledged batches go to the replacement.
      if (ready && !ending && !closing) {
        log(`worker ${replica} of stage ${stage} died; starting a replacement`);
        addWorker(stage).catch((e: unknown) => log(`could not replace worker ${replica}: ${String(e)}`));
      }
    });
    await new Promise<void>((resolve, reject) => {
      thread.on('message', (report: ThreadReport) => {
        if (report.type === 'ready') {
          ready = true;
          resolve();
        } else if (report.type === 'log') log(report.line);
        else if (report.type === 'metrics') answers.get(report.id)?.(report.snapshot);
      });
      thread.on('error', (error) => {
        log(`worker ${replica} failed: ${error.message}`);
        reject(error);
      });
      void exited.then(() => reject(new Error(`worker ${replica} exited before it was ready`)));
    });
    handle = {
      stage,
      replica,
      async stop() {
        ending = true;
        send({ type: 'stop' });
        const timer = setTimeout(() => void thread.terminate(), 60_000);
        await exited;
        clearTimeout(timer);
      },
      async kill() {
        ending = true;
        await thread.terminate();
        await exited;
      },
      async crash() {
        send({ type: 'crash' });
        await exited;
      },
      metrics() {
        const id = ++asked;
        return new Promise<MetricsSnapshot>((resolve) => {
          const timer = setTimeout(() => done([]), 1000);
          const done = (snapshot: MetricsSnapshot): void => {
            clearTimeout(timer);
            answers.delete(id);
            resolve(snapshot);
          };
          answers.set(id, done);
          send({ type: 'metrics', id });
        });
      },
    };
    workers.push(handle);
    return handle;
  };

  return {
    transport,
    addWorker,
    workers,
    metrics: () => Promise.all(workers.map((w) => w.metrics())),
    close() {
      closing ??= (async () => {
        await Promise.allSettled(workers.map((w) => w.stop()));
        await transport.close();
      })();
      return closing;
    },
  };
}

/** The broker settings a cluster hands to every client it makes. */
function brokerSettings(options: LocalClusterOptions): { maxMessageBytes?: number; persistent?: boolean } {
  return {
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.persistentMessages === undefined ? {} : { persistent: options.persistentMessages }),
  };
}
