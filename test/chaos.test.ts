// Faults injected into the whole stack while it trains: workers, the broker, the
// scheduler and the API are killed or cut off in the middle of a run. Every run must
// finish with every batch of every epoch trained once at every layer, nothing
// dead-lettered, no queue left behind, and the accuracy of the same run undisturbed.
// The broker is a RabbitMQ node of this test's own, so stopping it harms no other test.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.js';
import { startPrivateBroker, type PrivateBroker } from './support/private-broker.js';
import { uniqueRunId } from './pipeline-helpers.js';

/** Real MNIST, two stages of one layer each: 188 batches per epoch, long enough for four faults. */
const SPEC = { layers: [200, 200], epochs: 2, trainLimit: 12000, variant: 'single-layer', workers: 2, seed: 11 };
const BATCHES_PER_EPOCH = 188;
/** The bound: test accuracy within half a point of the undisturbed run. */
const ACCURACY_TOLERANCE = 0.005;

interface Fault {
  /** Run progress (percent) at which the fault is injected. */
  readonly at: number;
  readonly what: string;
  readonly inject: () => Promise<void>;
}

interface Finished {
  readonly run: Record<string, unknown>;
  readonly accuracy: number;
  readonly injected: string[];
}

let broker: PrivateBroker;
let stack: ChaosStack;
let baseline = Number.NaN;

before(async () => {
  broker = await startPrivateBroker();
  // The test's own polling and request hammer are one client: no rate limit here (test/api-fuzz covers it).
  // ... and no read cache: the progress that triggers a fault is the latest.
  stack = await startChaosStack(broker.url, 2, { PFF_RATE_LIMIT_MAX: '0', PFF_API_READ_CACHE_MS: '0' });
});

after(async () => {
  await stack?.stop();
  await broker?.stop();
});

/** Creates the run over REST, injects each fault once progress passes its mark, and waits for the end. */
async function train(t: TestContext, label: string, faults: readonly Fault[] = []): Promise<Finished> {
  const id = uniqueRunId(label);
  const created = await stack.call('POST', '/runs', { id, name: label, spec: SPEC });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const pending = [...faults];
  const injected: string[] = [];
  const deadline = Date.now() + 300_000;
  let run: Record<string, unknown> = created.json;
  while (run['status'] !== 'FINISHED') {
    assert.ok(!['FAILED', 'KILLED'].includes(String(run['status'])), `run ${id} ended ${String(run['status'])}: ${String(run['error'])}\n${stack.logs()}`);
    assert.ok(Date.now() < deadline, `run ${id} did not finish in time (${JSON.stringify(run['progress'])})\n${stack.logs()}`);
    const percent = (run['progress'] as { percent?: number } | undefined)?.percent ?? 0;
    const due = pending[0];
    if (due && percent >= due.at) {
      pending.shift();
      assert.ok(percent < 100, `${due.what} lands while the run trains (at ${percent} %)`);
      injected.push(`${due.what} at ${percent.toFixed(0)} %`);
      t.diagnostic(`${label}: ${due.what} at ${percent.toFixed(1)} %`);
      await due.inject();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The API or the broker may be down for a moment: the run goes on, we ask again.
    const got = await stack.call('GET', `/runs/${id}`).catch(() => null);
    if (got?.status === 200) run = got.json;
  }
  assert.equal(pending.length, 0, `every fault was injected before the run finished (left: ${pending.map((f) => f.what).join(', ')})`);
  const accuracy = (run['metrics'] as { accuracy: number }).accuracy;
  t.diagnostic(`${label}: accuracy ${accuracy}, layers ${JSON.stringify((run['pipeline'] as { layers: unknown }).layers)}`);
  await assertNothingLost(id, run);
  return { run, accuracy, injected };
}

async function assertNothingLost(id: string, run: Record<string, unknown>): Promise<void> {
  const pipeline = run['pipeline'] as { layers: Array<{ layer: number; batches: number; samples: number; duplicates: number; retrained: number }>; deadLettered: number };
  assert.equal(pipeline.layers.length, SPEC.layers.length, 'a record per layer');
  for (const layer of pipeline.layers) {
    assert.equal(layer.batches, BATCHES_PER_EPOCH * SPEC.epochs, `layer ${layer.layer}: every batch of every epoch (${JSON.stringify(layer)})`);
    assert.equal(layer.samples, SPEC.trainLimit * SPEC.epochs, `layer ${layer.layer}: every sample of every epoch (${JSON.stringify(layer)})`);
    assert.equal(layer.duplicates, 0, `layer ${layer.layer}: no duplicate trained (${JSON.stringify(layer)})`);
  }
  assert.equal(pipeline.deadLettered, 0, 'nothing dead-lettered');
  const queues = [...(await broker.queues())].filter(([name]) => name.includes(id));
  assert.deepEqual(queues.filter(([, messages]) => messages > 0), [], `no queue of run ${id} holds a message`);
  assert.deepEqual(queues.map(([name]) => name), [], `a finished run leaves no queue behind`);
}

function assertAccuracyHeld(label: string, accuracy: number): void {
  assert.ok(Number.isFinite(baseline), 'the undisturbed run went first');
  assert.ok(Math.abs(accuracy - baseline) <= ACCURACY_TOLERANCE, `${label}: accuracy ${accuracy} within ${ACCURACY_TOLERANCE} of the undisturbed ${baseline}`);
}

describe('faults on the whole stack, each in the middle of a run', { concurrency: false }, () => {
  it('an undisturbed run sets the accuracy to hold', { timeout: 300_000 }, async (t) => {
    const { accuracy } = await train(t, 'calm');
    baseline = accuracy;
    assert.ok(accuracy > 0.7, `it learns (${accuracy})`);
  });

  it('workers SIGKILLed mid-batch three times and one SIGTERMed: replaced, nothing lost', { timeout: 300_000 }, async (t) => {
    const killAndReplace = (stage: number) => async (): Promise<void> => {
      assert.equal(await stack.kill(stack.workers[stage]!, 'SIGKILL'), 'SIGKILL');
      await stack.startWorker(stage);
    };
    const { run, accuracy } = await train(t, 'workers', [
      { at: 15, what: 'SIGKILL stage 0', inject: killAndReplace(0) },
      { at: 35, what: 'SIGKILL stage 1', inject: killAndReplace(1) },
      { at: 55, what: 'SIGKILL stage 0 again', inject: killAndReplace(0) },
      {
        at: 75,
        what: 'SIGTERM stage 1 (its replacement started first)',
        inject: async () => {
          const old = stack.workers[1]!;
          await stack.startWorker(1);
          assert.equal(await stack.kill(old, 'SIGTERM'), 0, 'a SIGTERMed worker exits 0');
          const handover = /committed (\d+) of (\d+) batches before leaving/.exec(old.log());
          t.diagnostic(`the SIGTERMed worker: ${handover?.[0] ?? 'nothing to commit'}`);
          if (handover) assert.equal(handover[1], handover[2], 'it committed everything it trained before leaving');
        },
      },
    ]);
    // How much a kill takes with it depends on when it lands (0 to 8 batches since the last commit).
    const layers = (run['pipeline'] as { layers: Array<{ retrained: number }> }).layers;
    t.diagnostic(`trained again after the kills, per layer: ${layers.map((l) => l.retrained).join(', ')}`);
    assertAccuracyHeld('workers killed', accuracy);
  });

  it('RabbitMQ stopped and started twice, every connection force-closed twice: the run goes on', { timeout: 300_000 }, async (t) => {
    const restart: Fault['inject'] = async () => {
      await broker.ctl('stop_app');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await broker.ctl('start_app');
    };
    const cut: Fault['inject'] = async () => void (await broker.ctl('close_all_connections', 'chaos test'));
    const { accuracy } = await train(t, 'broker', [
      { at: 15, what: 'rabbitmqctl stop_app, 3 s down, start_app', inject: restart },
      { at: 35, what: 'rabbitmqctl close_all_connections', inject: cut },
      { at: 55, what: 'rabbitmqctl stop_app, 3 s down, start_app, again', inject: restart },
      { at: 75, what: 'rabbitmqctl close_all_connections, again', inject: cut },
    ]);
    assertAccuracyHeld('broker restarted', accuracy);
  });

  it('the scheduler SIGKILLed twice and started again resumes the run, from the start and then from its checkpoint', { timeout: 300_000 }, async (t) => {
    const killAndRestart: Fault['inject'] = async () => {
      assert.equal(await stack.kill(stack.scheduler, 'SIGKILL'), 'SIGKILL');
      await stack.startScheduler();
    };
    // Chapters are epochs here: at 30 % there is no checkpoint yet, at 70 % the first chapter's.
    const { run, accuracy } = await train(t, 'scheduler', [
      { at: 30, what: 'SIGKILL the scheduler before any checkpoint, start a new one', inject: killAndRestart },
      { at: 70, what: 'SIGKILL the scheduler after the first checkpoint, start a new one', inject: killAndRestart },
    ]);
    assert.equal(run['attempt'], 2, 'the run was restarted twice');
    assertAccuracyHeld('scheduler killed', accuracy);
  });

  it('the API SIGKILLed twice in the middle of requests: the run goes on, a new API serves it', { timeout: 300_000 }, async (t) => {
    let stopHammer = false;
    const answers = new Map<number, number>();
    let refused = 0;
    const hammer = (async () => {
      while (!stopHammer) {
        const paths = ['/runs?limit=5', '/healthz', '/runs/no-such-run'];
        await Promise.all(paths.map((path) => stack.call('GET', path).then((r) => answers.set(r.status, (answers.get(r.status) ?? 0) + 1), () => refused++)));
      }
    })();
    try {
      const killAndRestart: Fault['inject'] = async () => {
        assert.equal(await stack.kill(stack.api, 'SIGKILL'), 'SIGKILL');
        await stack.startApi();
      };
      const { accuracy } = await train(t, 'api', [
        { at: 25, what: 'SIGKILL the API during requests, start a new one', inject: killAndRestart },
        { at: 60, what: 'SIGKILL the API during requests again, start a new one', inject: killAndRestart },
      ]);
      assertAccuracyHeld('API killed', accuracy);
    } finally {
      stopHammer = true;
      await hammer;
    }
    t.diagnostic(`requests during the run: ${JSON.stringify(Object.fromEntries(answers))}, ${refused} refused while no API listened`);
    assert.ok([...answers.keys()].every((status) => status < 500), `no 5xx from a live API: ${JSON.stringify(Object.fromEntries(answers))}`);
    assert.ok(refused > 0, 'requests were in flight when the API died');
  });
});
