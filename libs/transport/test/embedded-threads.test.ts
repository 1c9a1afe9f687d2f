/**
 * The embedded transport across real worker threads: two consumer threads share a queue,
 * and a thread that is terminated or crashes while holding messages loses none of them.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { createEmbeddedTransport, EmbeddedBroker, serveBrokerPort, type Transport } from '../src/index.js';
import { eventually, within } from './conformance/harness.js';
import type { WorkerConfig, WorkerReport } from './embedded-worker.js';

const WAIT_MS = 15_000;
const timeout = 60_000;
const encoder = new TextEncoder();

interface ConsumerThread {
  readonly worker: Worker;
  readonly received: Extract<WorkerReport, { kind: 'received' }>[];
  readonly errors: Error[];
  readonly exited: Promise<number>;
  /** Asks the thread to close its transport; resolves with its exit code. */
  stop(): Promise<number>;
}

interface Harness {
  readonly scheduler: Transport;
  /** Starts a consumer thread on the broker and waits until it consumes. */
  readonly spawn: (config: Omit<WorkerConfig, 'port'>) => Promise<ConsumerThread>;
}

/** A broker in this thread and a main-thread client; threads, ports and client go when the test ends. */
function setUp(t: TestContext): Harness {
  const broker = new EmbeddedBroker();
  const scheduler = createEmbeddedTransport(broker);
  const cleanUps: (() => Promise<unknown> | void)[] = [() => scheduler.close()];
  t.after(async () => {
    for (const cleanUp of cleanUps.reverse()) await cleanUp();
  });
  const spawn = async (config: Omit<WorkerConfig, 'port'>): Promise<ConsumerThread> => {
    const { port1, port2 } = new MessageChannel();
    const server = serveBrokerPort(broker, port1);
    const workerData: WorkerConfig = { ...config, port: port2 };
    const worker = new Worker(new URL('./embedded-worker.mjs', import.meta.url), { workerData, transferList: [port2] });
    cleanUps.push(() => worker.terminate(), () => server.disconnect());
    const thread: ConsumerThread = {
      worker,
      received: [],
      errors: [],
      exited: new Promise((resolve) => worker.once('exit', resolve)),
      async stop() {
        worker.postMessage('close');
        return within(thread.exited, WAIT_MS, 'the worker thread exits after closing its transport');
      },
    };
    worker.on('error', (error) => thread.errors.push(error));
    const ready = new Promise<void>((resolve) => worker.on('message', (report: WorkerReport) => {
      if (report.kind === 'received') thread.received.push(report);
      if (report.kind === 'ready') resolve();
    }));
    await within(ready, WAIT_MS, `worker (${config.mode}) consuming`);
    return thread;
  };
  return { scheduler, spawn };
}

async function sendAll(transport: Transport, queue: string, texts: string[]): Promise<void> {
  for (const text of texts) await transport.send(queue, encoder.encode(text));
}

const numbered = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

test('two worker threads share a queue: every message processed exactly once', { timeout }, async (t) => {
  const { scheduler, spawn } = setUp(t);
  const queue = 'threads.share';
  await scheduler.declareQueue(queue);
  const threads = [await spawn({ queue, prefetch: 4, mode: 'ack' }), await spawn({ queue, prefetch: 4, mode: 'ack' })];
  const count = 500;
  await sendAll(scheduler, queue, numbered(0, count));
  const all = () => threads.flatMap((thread) => thread.received);
  await eventually(() => all().length >= count, WAIT_MS, `all ${count} messages processed`);
  await eventually(async () => (await scheduler.queueStats(queue)).unacked === 0, WAIT_MS, 'every delivery acked');
  const texts = all().map((report) => report.text);
  assert.equal(texts.length, count, `${count} deliveries, no more (got ${texts.length})`);
  assert.deepEqual([...new Set(texts)].sort(), numbered(0, count).sort(), 'each message exactly once');
  assert.ok(all().every((report) => !report.redelivered), 'nothing redelivered');
  for (const [index, thread] of threads.entries()) {
    assert.ok(thread.received.length > 0, `thread ${index} got a share (${thread.received.length} of ${count})`);
  }
  assert.deepEqual(await scheduler.queueStats(queue), { ready: 0, unacked: 0, consumers: 2 }, 'drained, two consumers');
  for (const [index, thread] of threads.entries()) assert.equal(await thread.stop(), 0, `thread ${index} exits cleanly after close`);
  assert.equal((await scheduler.queueStats(queue)).consumers, 0, 'closed threads leave no consumers');
  for (const thread of threads) assert.deepEqual(thread.errors, [], 'no worker error');
});

for (const ending of ['is terminated', 'crashes'] as const) {
  test(`a worker thread that ${ending} while holding messages: they are redelivered to the survivor, none lost`, { timeout }, async (t) => {
    const { scheduler, spawn } = setUp(t);
    const queue = `threads.${ending.replace(' ', '-')}`;
    await scheduler.declareQueue(queue);
    const held = 5;
    const dying = await spawn({ queue, prefetch: held, mode: 'hold' });
    await sendAll(scheduler, queue, numbered(0, held));
    await eventually(() => dying.received.length >= held, WAIT_MS, `the first thread holds ${held}`);
    const survivor = await spawn({ queue, prefetch: 3, mode: 'ack' });
    const count = 100;
    await sendAll(scheduler, queue, numbered(held, count));
    await eventually(() => survivor.received.length >= count - held, WAIT_MS, `the survivor processes the other ${count - held}`);
    assert.equal(survivor.received.length, count - held, `the survivor got only the ${count - held} not held (got ${survivor.received.length})`);
    assert.equal(dying.received.length, held, `the dying thread got only ${held}: its prefetch (got ${dying.received.length})`);
    assert.deepEqual(await scheduler.queueStats(queue), { ready: 0, unacked: held, consumers: 2 }, 'only the held ones are unacked');

    // Nothing here tells the broker: the port's 'close' event does, when the thread dies.
    if (ending === 'is terminated') await within(dying.worker.terminate(), WAIT_MS, 'terminate resolves');
    else dying.worker.postMessage('crash');
    const code = await within(dying.exited, WAIT_MS, 'the dying thread exits');
    assert.equal(code, 1, `the dying thread ends with code 1 (got ${code})`);
    await eventually(() => survivor.received.length >= count, WAIT_MS, 'the held messages reach the survivor');
    assert.equal(survivor.received.length, count, `the survivor got ${count} in all (got ${survivor.received.length})`);
    const again = survivor.received.slice(count - held);
    assert.ok(again.every((report) => report.redelivered), 'the stranded messages come back with redelivered = true');
    assert.deepEqual(again.map((report) => report.text).sort(), dying.received.map((report) => report.text).sort(),
      'exactly the messages the dead thread held are redelivered');
    assert.deepEqual(survivor.received.map((report) => report.text).sort(), numbered(0, count).sort(), 'the survivor processed every message once');
    await eventually(async () => (await scheduler.queueStats(queue)).unacked === 0, WAIT_MS, 'the redeliveries are acked');
    assert.deepEqual(await scheduler.queueStats(queue), { ready: 0, unacked: 0, consumers: 1 }, 'nothing lost, the dead consumer is gone');
    if (ending === 'crashes') assert.match(dying.errors[0]?.message ?? '', /crash on purpose/, 'the crash surfaced as the worker error');
    assert.equal(await survivor.stop(), 0, 'the survivor exits cleanly after close');
  });
}
