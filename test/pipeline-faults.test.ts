// Faults on the real broker: worker processes killed in the middle of a run, malformed
// messages on a worker queue, the scheduler restarted. Each run must still finish with
// every batch of every epoch trained once at every layer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '@pff/backend';
import { loadSchedulerConfig } from '@pff/config';
import { encodeFrame, encodeMessage, RUN_REQUESTS_QUEUE, stageQueue } from '@pff/contracts';
import { startLocalCluster, trainPipelined } from '@pff/local-cluster';
import { createSchedulerService, PipelineRun } from '@pff/scheduler';
import { connectBroker, deadLetterQueueOf, REASON_HEADER, type Transport } from '@pff/transport';
import { assertExactCounts, BROKER_URL, mnist, smallSpec, uniqueRunId } from './pipeline-helpers.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

before(async () => {
  await initBackend('wasm');
});

describe('faults during a pipelined run', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal}: worker processes are replaced and nothing is lost or trained twice`, { timeout: 300_000 }, async (t) => {
      const spec = smallSpec({ variant: 'single-layer', workers: 2, trainLimit: 6000 });
      const transport = await connectBroker({ url: BROKER_URL });
      const workers: WorkerProcess[] = [];
      t.after(async () => {
        for (const w of workers) w.child.kill('SIGKILL');
        await transport.close();
      });
      const tag = signal.toLowerCase();
      workers.push(await startWorkerProcess(0, `${tag}-0a`), await startWorkerProcess(1, `${tag}-1a`));
      for (const path of ['/healthz', '/readyz']) {
        const response = await fetch(`http://127.0.0.1:${workers[0]!.port}${path}`);
        assert.equal(response.status, 200, `${path} answers 200 while the broker is up`);
      }
      const stops: Array<Promise<void>> = [];
      const stopAndReplace = (victim: WorkerProcess, stage: number, replacement: string): Promise<void> =>
        (async () => {
          victim.child.kill(signal);
          // SIGKILL: dies at once; SIGTERM: finishes the batch in hand and exits 0.
          assert.equal(await victim.exited, signal === 'SIGKILL' ? 'SIGKILL' : 0, `${victim.replica} ended as ${signal} asks`);
          workers.push(await startWorkerProcess(stage, replacement));
        })();
      // 94 batches per epoch: stop stage 0 early in epoch 1, stage 1 early in epoch 2.
      const run = new PipelineRun({
        transport,
        runId: uniqueRunId(tag),
        spec,
        data: mnist(spec.trainLimit),
        options: { liveMs: 4000, shareTimeoutMs: 20_000 },
        onProgress: (p) => {
          if (p.step === 20) stops.push(stopAndReplace(workers[0]!, 0, `${tag}-0b`));
          if (p.step === 110) stops.push(stopAndReplace(workers[1]!, 1, `${tag}-1b`));
        },
      });
      const { summary, network } = await run.run();
      network.dispose();
      await Promise.all(stops);
      assert.equal(stops.length, 2, 'both workers were stopped in the middle of the run');
      t.diagnostic(`per layer: ${JSON.stringify(summary.pipeline?.layers)}`);
      assertExactCounts(summary, spec, 94);
      if (signal === 'SIGTERM') {
        const logs = workers.map((w) => `--- ${w.replica}\n${w.log()}`).join('\n');
        assert.ok(summary.pipeline!.layers.every((l) => l.retrained === 0), `a graceful stop leaves nothing half-trained:\n${logs}`);
        assert.match(workers[0]!.log(), /SIGTERM: shutting down gracefully/, 'the worker says why it stops');
        for (const victim of [workers[0]!, workers[1]!]) {
          const handover = /committed (\d+) of (\d+) batches before leaving/.exec(victim.log());
          t.diagnostic(`${victim.replica}: ${handover?.[0] ?? 'nothing uncommitted when it stopped'}`);
          if (handover) assert.equal(handover[1], handover[2], `${victim.replica} committed all it trained before leaving`);
        }
      }
      assert.ok(summary.accuracy > 0.5, `test accuracy ${summary.accuracy}`);
    });
  }

  it('malformed messages on a worker queue are dead-lettered with their reason and the worker trains on', { timeout: 180_000 }, async () => {
    const spec = smallSpec({ variant: 'single-layer', workers: 2 });
    const runId = uniqueRunId('poison');
    const reasons: string[] = [];
    let injected: Promise<void> = Promise.resolve();
    const { summary, network } = await trainPipelined({
      spec,
      data: mnist(spec.trainLimit),
      runId,
      cluster: { backend: 'wasm', brokerUrl: BROKER_URL },
      onCluster: (cluster) => {
        injected = injectPoison(cluster.transport, stageQueue(runId, 1), reasons);
      },
    });
    network.dispose();
    await injected;
    assert.equal(reasons.length, POISON.length, `every bad message dead-lettered: ${reasons.join(' | ')}`);
    POISON.forEach(([, expected], i) => assert.match(reasons.join('\n'), expected, `reason ${i} names the problem`));
    assertExactCounts(summary, spec, 47);
  });

  it('a restarted scheduler resumes its run from the last checkpoint', { timeout: 300_000 }, async (t) => {
    const runDir = mkdtempSync(join(tmpdir(), 'pff-runs-'));
    const cluster = await startLocalCluster({ brokerUrl: BROKER_URL, backend: 'wasm' });
    t.after(async () => {
      await cluster.close();
      rmSync(runDir, { recursive: true, force: true });
    });
    await Promise.all([cluster.addWorker(0), cluster.addWorker(1)]);
    const config = loadSchedulerConfig({ PFF_BROKER_URL: BROKER_URL, PFF_PORT: '0', PFF_BACKEND: 'wasm', PFF_RUN_DIR: runDir, PFF_MAX_RUNS: '1' });
    const spec = smallSpec({ variant: 'single-layer', workers: 2, epochs: 3 });
    const runId = uniqueRunId('resume');
    const first = createSchedulerService({ config, log: () => undefined, transport: cluster.transport });
    await first.start();
    await cluster.transport.declareQueue(RUN_REQUESTS_QUEUE);
    await cluster.transport.send(RUN_REQUESTS_QUEUE, encodeMessage({ kind: 'run-request', runId, spec: { ...spec, layers: [...spec.layers] } }));
    await waitFor(() => first.store.has(runId) && first.store.get(runId).chaptersDone >= 1, 120_000, 'the first chapter checkpoint');
    await first.close();
    const interrupted = first.store.get(runId);
    assert.equal(interrupted.status, 'RUNNING', 'an interrupted run stays RUNNING');
    assert.ok(interrupted.chaptersDone < 3, `interrupted after chapter ${interrupted.chaptersDone}`);

    const second = createSchedulerService({ config, log: () => undefined, transport: cluster.transport });
    await second.start();
    await second.settled(runId);
    await second.close();
    const record = second.store.get(runId);
    assert.equal(record.status, 'FINISHED', `finished: ${record.error ?? ''}`);
    assert.equal(record.attempt, 1, 'the restart was a new attempt');
    assert.equal(record.history.length, 3, 'a record for every chapter, from both attempts');
    assert.ok(record.summary, 'the summary is stored');
    assertExactCounts(record.summary, spec, 47);
  });
});

/** Bad messages, each with the reason it must be dead-lettered for. */
const POISON: ReadonlyArray<[() => Uint8Array, RegExp]> = [
  [() => new TextEncoder().encode('{"kind":"batch","runId":"x"}'), /bad magic/],
  [
    () => {
      const frame = encodeFrame({ kind: 'batch' });
      new DataView(frame.buffer).setUint16(4, 99, true);
      return frame;
    },
    /schema version 99 is not supported/,
  ],
  [() => encodeFrame({ kind: 'batch', runId: 'x', stage: 'one' }), /batch: /],
  [
    () => encodeFrame({ kind: 'batch' }, [{ name: 'positive', shape: [1, 2], data: Float32Array.of(1, Number.POSITIVE_INFINITY) }]),
    /NaN or Infinity/,
  ],
];

async function injectPoison(transport: Transport, queue: string, reasons: string[]): Promise<void> {
  await transport.declareQueue(queue);
  for (const [make] of POISON) await transport.send(queue, make());
  const dlq = deadLetterQueueOf(queue);
  await waitFor(async () => {
    const delivery = await transport.get(dlq);
    if (delivery) {
      reasons.push(String(delivery.headers[REASON_HEADER]));
      delivery.ack();
    }
    return reasons.length >= POISON.length;
  }, 60_000, 'the dead-lettered messages');
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
