import { initBackend } from '@pff/backend';
import type { SchedulerConfig } from '@pff/config';
import { decodeMessage, MessageError, parseRunSpec, RUN_REQUESTS_QUEUE, type RunSpec } from '@pff/contracts';
import { loadDataset, type DatasetPair } from '@pff/datasets';
import { createHealthServer } from '@pff/service-kit';
import { withTransportMetrics, type Registry } from '@pff/telemetry';
import { connectBroker, type Delivery, type Subscription, type Transport } from '@pff/transport';
import type { RunControl } from './control/answer.js';
import { serveControl } from './control/serve-control.js';
import type { PipelineOptions } from './pipeline-run.js';
import { runStoredRun } from './run-runner.js';
import { RunStopped } from './run-stopped.js';
import { RunStore } from './run-store.js';
import { RunTelemetry } from './run-telemetry.js';

export interface SchedulerServiceDeps {
  readonly config: SchedulerConfig;
  readonly log: (line: string) => void;
  /** Default: RabbitMQ at config.brokerUrl. */
  readonly transport?: Transport;
  readonly options?: Partial<PipelineOptions>;
  /** Whether its metrics include the process's (false where another role in the process has them). */
  readonly processMetrics?: boolean;
}

export interface SchedulerService {
  /** Resumes stored runs, takes run requests, serves probes; resolves with the HTTP port. */
  start(signal?: AbortSignal): Promise<number>;
  /** Stops taking requests and interrupts running runs (they stay RUNNING and resume on the next start). Idempotent. */
  close(): Promise<void>;
  readonly store: RunStore;
  /** Its Prometheus metrics (served at /metrics on its port). */
  readonly metrics: Registry;
  /** Resolves when the run ends (or the service closes). */
  settled(runId: string): Promise<void>;
}

/**
 * The scheduler role: takes run requests from the broker, keeps every run in its
 * on-disk store, trains at most `maxRuns` at a time (the rest wait, in order), and on
 * start resumes whatever a previous process left running.
 */
export function createSchedulerService(deps: SchedulerServiceDeps): SchedulerService {
  const { config, log } = deps;
  const store = new RunStore(config.runDir);
  const waiting: string[] = [];
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  const datasets = new Map<string, DatasetPair>();
  let transport: Transport | null = null;
  let requests: Subscription | null = null;
  let controls: Subscription | null = null;
  const telemetry = new RunTelemetry(deps.processMetrics ?? true, () => store.list());
  let closing: Promise<void> | null = null;
  let stop: (() => Promise<void>) | null = null;

  const loadData = (spec: RunSpec): DatasetPair => {
    const key = `${spec.dataset}:${spec.trainLimit}`;
    let data = datasets.get(key);
    if (!data) datasets.set(key, (data = loadDataset({ dataset: spec.dataset, dataDir: config.dataDir, trainLimit: spec.trainLimit })));
    return data;
  };

  const pump = (): void => {
    while (!closing && transport && running.size < config.maxRuns && waiting.length > 0) {
      const runId = waiting.shift()!;
      const abort = new AbortController();
      // Progress comes only once the run has loaded its data: then this is the cached set.
      const observe = telemetry.observersFor(runId, () => loadData(store.get(runId).spec as RunSpec).train.count);
      const options = { commitEvery: config.commitEvery, ...deps.options };
      const done = runStoredRun({ transport, store, loadData, log, ...observe, options }, runId, abort.signal)
        .then(() => undefined, (e: unknown) => log(`run ${runId}: ${String(e)}`))
        .finally(() => {
          running.delete(runId);
          telemetry.stopped(store.get(runId));
          pump();
        });
      running.set(runId, { abort, done });
    }
  };

  const enqueue = (runId: string, name: string | undefined, spec: RunSpec): boolean => {
    if (store.has(runId)) return false;
    store.save({
      runId, ...(name ? { name } : {}), spec: { ...spec, layers: [...spec.layers] },
      status: 'SCHEDULED', attempt: 0, createdAt: new Date().toISOString(), chaptersDone: 0, history: [],
      trainSeconds: 0, evalSeconds: 0, layers: [],
    });
    waiting.push(runId);
    pump();
    return true;
  };

  const control: RunControl = {
    store,
    create: enqueue,
    live: (runId) => telemetry.live(runId),
    async stop(runId) {
      const queued = waiting.indexOf(runId);
      if (queued >= 0) {
        waiting.splice(queued, 1);
        store.save({ ...store.get(runId), status: 'KILLED', finishedAt: new Date().toISOString() });
        log(`run ${runId}: stopped before it started`);
      }
      const run = running.get(runId);
      if (run) {
        run.abort.abort(new RunStopped(runId));
        await run.done;
      }
    },
  };

  const onRequest = async (delivery: Delivery): Promise<void> => {
    try {
      const { message } = decodeMessage(delivery.body, ['run-request']);
      const spec = parseRunSpec(message.spec);
      if (!enqueue(message.runId, message.name, spec)) log(`run ${message.runId}: already known; request ignored`);
      delivery.ack();
    } catch (error) {
      const reason = error instanceof MessageError ? error.reason : (error as Error).message;
      log(`dead-lettered a run request: ${reason}`);
      await delivery.deadLetter(reason);
    }
  };

  return {
    store,
    metrics: telemetry.registry,
    async start(signal) {
      const backend = await initBackend(config.backend);
      log(`scheduler: backend ${backend.name}, runs in ${store.dir}, at most ${config.maxRuns} at once`);
      const broker = deps.transport ?? (await connectBroker({ url: config.brokerUrl, log, maxMessageBytes: config.maxMessageBytes, persistent: config.persistentMessages, waitMs: config.brokerWaitMs, ...(signal ? { signal } : {}) }));
      const t = withTransportMetrics(broker, telemetry.registry);
      transport = t;
      const health = createHealthServer({
        metrics: telemetry.registry,
        ready: () => t.state === 'connected',
        describe: () => ({ role: 'scheduler', broker: t.state, running: [...running.keys()], waiting: waiting.length }),
      });
      stop = async () => {
        await requests?.cancel().catch(() => undefined);
        await controls?.cancel().catch(() => undefined);
        for (const r of running.values()) r.abort.abort();
        await Promise.allSettled([...running.values()].map((r) => r.done));
        if (!deps.transport) await broker.close().catch((e: unknown) => log(`transport close: ${String(e)}`));
        await health.close();
      };
      for (const record of store.list((e) => log(`skipped a damaged run record: ${e.message}`))) {
        if (record.status === 'RUNNING' || record.status === 'SCHEDULED') waiting.push(record.runId);
      }
      await t.declareQueue(RUN_REQUESTS_QUEUE);
      requests = await t.consume(RUN_REQUESTS_QUEUE, onRequest, { prefetch: 16 });
      controls = await serveControl({ transport: t, control, log, maxQueuedRuns: config.maxQueuedRuns });
      pump();
      await health.listen({ port: config.port, host: '0.0.0.0' });
      const address = health.server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
    close() {
      closing ??= stop?.() ?? Promise.resolve();
      return closing;
    },
    async settled(runId) {
      while (!closing && (waiting.includes(runId) || running.has(runId))) {
        await (running.get(runId)?.done ?? new Promise((resolve) => setTimeout(resolve, 50)));
      }
    },
  };
}
