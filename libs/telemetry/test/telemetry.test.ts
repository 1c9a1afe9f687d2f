import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { createEmbeddedTransport, createPortTransport, EmbeddedBroker, serveBrokerPort } from '@pff/transport';
import { createMetricsRegistry, queueKindOf, RunMetrics, StageMetrics, withTransportMetrics } from '../src/index.js';

/** The value of the series `name` whose labels include `labels` (in any order), or undefined. */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

test('queue kinds keep run ids out of labels', () => {
  const cases: Array<[string, string]> = [
    ['pff.run-1.stage.2', 'stage'], ['pff.run-1.stage.0.shard.3', 'stage'], ['pff.run-1.stage.1.dlq', 'stage'], ['pff.run-1.stage.0.parts.ab12', 'stage'],
    ['pff.run-1.stage.1.bus', 'stage-bus'], ['pff.run-1.events', 'events'], ['pff.runs', 'runs'],
    ['pff.scheduler.control', 'control'], ['pff.scheduler.replies', 'replies'], ['something.else', 'other'],
  ];
  for (const [queue, kind] of cases) assert.equal(queueKindOf(queue), kind, queue);
});

test('a worker\'s series of a run go when it leaves the run', async () => {
  const registry = createMetricsRegistry('worker', { processMetrics: false });
  let now = 0;
  const metrics = new StageMetrics(registry, () => now);
  const layers = [0, 1].map((layer) => ({ layer, loss: 0.5, goodnessPositive: 3, goodnessNegative: 1 }));
  metrics.trained({ run: 'r1', stage: 0, samples: 64, stepSeconds: 0.5, layers });
  metrics.trained({ run: 'r2', stage: 0, samples: 32, stepSeconds: 0.25, layers });
  now = 2000;
  let text = await registry.metrics();
  assert.equal(valueOf(text, 'pff_samples_trained_total', { run: 'r1', stage: '0', layer: '1' }), 64, 'samples by layer');
  assert.equal(valueOf(text, 'pff_stage_busy_ratio', { run: 'r1', stage: '0' }), 0.25, '0.5 s busy in 2 s');
  assert.equal(valueOf(text, 'pff_layer_goodness', { run: 'r2', layer: '0', data: 'negative' }), 1, 'goodness of negative data');
  metrics.forget('r1');
  text = await registry.metrics();
  assert.doesNotMatch(text, /run="r1"/, 'no series of the run left');
  assert.match(text, /run="r2"/, 'the other run keeps its series');
});

test('the scheduler keeps the series of the latest 20 ended runs only', async () => {
  const registry = createMetricsRegistry('scheduler', { processMetrics: false });
  const runs = new RunMetrics(registry, () => ({ RUNNING: 1 }));
  for (let i = 0; i < 22; i++) {
    runs.update(`r${i}`, { epoch: 1, epochs: 2, samplesPerSecond: 10, loss: 0.3 });
    runs.evaluated(`r${i}`, 0.9);
    runs.ended(`r${i}`);
  }
  const text = await registry.metrics();
  assert.equal(valueOf(text, 'pff_run_accuracy', { run: 'r0' }), undefined, 'the oldest ended runs are gone');
  assert.equal(valueOf(text, 'pff_run_accuracy', { run: 'r1' }), undefined, 'the oldest ended runs are gone');
  assert.equal(valueOf(text, 'pff_run_accuracy', { run: 'r21' }), 0.9, 'the latest keep theirs');
  assert.equal(valueOf(text, 'pff_run_progress_ratio', { run: 'r21' }), 0.5, 'progress as a fraction');
  assert.equal(valueOf(text, 'pff_runs', { status: 'RUNNING' }), 1, 'runs by status');
});

test('a wrapped transport counts bytes, settlements and its connection state', async (t) => {
  const registry = createMetricsRegistry('test', { processMetrics: false });
  const transport = withTransportMetrics(createEmbeddedTransport(new EmbeddedBroker()), registry);
  t.after(() => transport.close());
  const queue = 'pff.r.stage.0';
  await transport.declareQueue(queue);
  for (let i = 0; i < 3; i++) await transport.send(queue, new Uint8Array(100));
  (await transport.get(queue))!.ack();
  (await transport.get(queue))!.requeue();
  await (await transport.get(queue))!.deadLetter('bad');
  const text = await registry.metrics();
  assert.equal(valueOf(text, 'pff_message_bytes_total', { direction: 'out', queue: 'stage' }), 300, 'bytes out');
  assert.equal(valueOf(text, 'pff_message_bytes_total', { direction: 'in', queue: 'stage' }), 300, 'bytes in');
  for (const outcome of ['acked', 'requeued', 'dead_lettered']) assert.equal(valueOf(text, 'pff_messages_total', { queue: 'stage', outcome }), 1, outcome);
  assert.equal(valueOf(text, 'pff_broker_connected', {}), 1, 'connected');
  assert.equal(valueOf(text, 'pff_broker_state', { state: 'connected' }), 1, 'state');
});

test('bytes are counted on a transport that transfers (detaches) what it sends', async (t) => {
  const registry = createMetricsRegistry('test', { processMetrics: false });
  const broker = new EmbeddedBroker();
  const channel = new MessageChannel();
  const server = serveBrokerPort(broker, channel.port1);
  const transport = withTransportMetrics(createPortTransport(channel.port2, { takeBodies: true }), registry);
  t.after(async () => {
    await transport.close();
    server.disconnect();
    channel.port1.close();
  });
  await transport.declareQueue('pff.r.events');
  const body = new Uint8Array(new ArrayBuffer(128));
  await transport.send('pff.r.events', body);
  assert.equal(valueOf(await registry.metrics(), 'pff_message_bytes_total', { direction: 'out', queue: 'events' }), 128, `the size before sending (after: ${body.byteLength})`);
});
