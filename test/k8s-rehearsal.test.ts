// A rehearsal of `kubectl apply -k k8s/overlays/dev` without a cluster: every container
// of the rendered overlay runs as a local process with its command, arguments and
// environment (cluster names mapped to this machine, the operator's broker Secret to the
// local RabbitMQ's user). A run goes through the API while KEDA is emulated: each
// ScaledObject's trigger, evaluated on RabbitMQ's own queue metrics, decides how many
// processes each stage runs, so the slow stage must be scaled out by the manifests' own
// numbers. Once a new replica has trained, the stage's first replica is stopped (a
// scale-down or a node drain: SIGTERM, then the grace period); the run must finish with
// nothing lost.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ofKind, render, roleOf, templateOf, type K8sObject } from './support/k8s.js';
import { desiredReplicas, fetchQueueDepths } from './support/keda.js';
import { startPod, type ClusterMapping, type Pod } from './support/rehearsal.js';
import { uniqueRunId } from './pipeline-helpers.js';
import { apiClient } from './support/api-client.js';

/** Samples a worker's /metrics says it trained in `run`. */
async function samplesTrained(pod: Pod, run: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${pod.process.port}/metrics`).then((r) => r.text(), () => '');
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('pff_samples_trained_total{') && line.includes(`run="${run}"`)) total += Number(line.split(' ').pop());
  return total;
}

/** Messages (ready or unacked) RabbitMQ holds in queues whose name has `run` in it (its own per-queue metrics). */
async function messagesHeld(run: string): Promise<Map<string, number>> {
  return new Map([...(await fetchQueueDepths()).entries()].filter(([queue]) => queue.includes(run)).map(([queue, depth]) => [queue, depth.messages]));
}

it('the dev overlay, run as local processes: a run through the API finishes while a stage scales out and in, nothing lost', { timeout: 900_000 }, async (t) => {
  const objects = render('dev');
  const rabbit = ofKind(objects, 'RabbitmqCluster')[0]!.metadata.name;
  const mapping: ClusterMapping = {
    hosts: { [`${rabbit}.pff.svc`]: '127.0.0.1' },
    operatorSecrets: { [`${rabbit}-default-user`]: { username: 'guest', password: 'guest' } },
  };
  const deployments = ofKind(objects, 'Deployment');
  const byRole = (role: string): K8sObject[] => deployments.filter((d) => roleOf(templateOf(d).spec.containers[0]!) === role);
  const pods: Pod[] = [];
  t.after(async () => {
    for (const p of pods) p.process.child.kill('SIGTERM');
    await Promise.all(pods.map((p) => p.process.exited));
  });
  const start = async (deployment: K8sObject, suffix: string): Promise<Pod> => {
    const pod = await startPod(deployment, `${deployment.metadata.name}-${suffix}`, objects, mapping);
    pods.push(pod);
    return pod;
  };
  // Every Deployment at the replicas the overlay gives it (KEDA's minimum for the workers).
  await start(byRole('scheduler')[0]!, 'a');
  const workers = [];
  for (const d of byRole('worker')) workers.push(await start(d, 'a'));
  const api = await start(byRole('api')[0]!, 'a');
  assert.equal(workers.length, 4, 'four stages of layer-workers');
  assert.equal(new Set(pods.map((p) => p.env['PFF_BROKER_URL'])).size, 1, 'every pod reaches the same broker');

  const token = api.env['PFF_API_TOKEN']!;
  assert.ok(token.length >= 16, 'the API token from the overlay\'s Secret');
  const base = `http://127.0.0.1:${api.process.port}`;
  const call = apiClient(base, token);
  assert.equal((await fetch(`${base}/runs`)).status, 401, 'the API wants the token');

  // No variant, no workers: the deployment's default (PFF_DEFAULT_WORKERS) spreads four layers over the four stages.
  const id = uniqueRunId('k8s');
  // Stage 0 (784 x 600) is the clear bottleneck (16x the weights of any other): batches
  // wait in its queue beyond what its replica holds (in hand, or awaiting a commit).
  const spec = { layers: [600, 50, 50, 50], epochs: 2, trainLimit: 30000, evalEvery: 1, seed: 5, objective: 'local-softmax', learningRate: 0.003 };
  const created = await call('POST', '/runs', { id, name: 'k8s rehearsal', spec });
  assert.equal(created.status, 201, JSON.stringify(created.json));

  let run: Record<string, unknown> = created.json;
  // KEDA, emulated: per Deployment, the replicas running; a ScaledObject asks for more when its stage backs up.
  const replicas = new Map(workers.map((w) => [w.deployment, [w]]));
  const scaledObjects = ofKind(objects, 'ScaledObject');
  const stage0 = workers.find((w) => w.env['PFF_STAGE'] === '0')!;
  const scaleEvents: string[] = [];
  let extra: Pod | null = null;
  let extraTrained = 0;
  let drained: { pod: Pod; code: Promise<number | NodeJS.Signals>; percent: number } | null = null;
  let queuesSeen = 0;
  const until = Date.now() + 600_000;
  while (run['status'] !== 'FINISHED') {
    assert.ok(!['FAILED', 'KILLED'].includes(run['status'] as string), `the run ended ${String(run['status'])}: ${String(run['error'])}`);
    assert.ok(Date.now() < until, `the run did not finish in time: ${JSON.stringify(run)}`);
    const percent = Math.round((run['progress'] as { percent?: number } | undefined)?.percent ?? 0);
    if (run['status'] === 'RUNNING') {
      const depths = await fetchQueueDepths();
      for (const so of scaledObjects) {
        const target = (so.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
        const running = replicas.get(target)!;
        const { desired, backlog } = desiredReplicas(so, depths);
        if (desired <= running.length) continue;
        // One pod at a time, as pods come up; the next poll asks again.
        const pod = await start(deployments.find((d) => d.metadata.name === target)!, String.fromCharCode(97 + running.length + (drained?.pod.deployment === target ? 1 : 0)));
        running.push(pod);
        scaleEvents.push(`${target} to ${running.length} (backlog ${backlog}) at ${percent} %`);
        t.diagnostic(`KEDA (emulated): ${scaleEvents[scaleEvents.length - 1]!}`);
        if (target === stage0.deployment) extra ??= pod;
      }
    }
    if (extra) extraTrained = Math.max(extraTrained, await samplesTrained(extra, id));
    if (extra && extraTrained > 0 && !drained && run['status'] === 'RUNNING') {
      // The new replica works; now the first one goes, mid-batch, as a scale-down or a drain takes it.
      pods.splice(pods.indexOf(stage0), 1);
      const running = replicas.get(stage0.deployment)!;
      running.splice(running.indexOf(stage0), 1);
      stage0.process.child.kill('SIGTERM');
      drained = { pod: stage0, code: stage0.process.exited, percent };
      t.diagnostic(`stage 0's first replica stopped (SIGTERM) at ${percent} % of the run`);
    }
    queuesSeen = Math.max(queuesSeen, (await messagesHeld(id)).size);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const got = await call('GET', `/runs/${id}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    run = got.json;
  }
  assert.ok(extra, `the slow stage (0: 784 x 600) was scaled out by its ScaledObject during the run: ${scaleEvents.join('; ') || 'no scaling'}`);
  t.diagnostic(`the new replica trained ${extraTrained} samples; the run took ${JSON.stringify(run['metrics'])}`);
  assert.match(extra.process.log(), new RegExp(`joined run ${id}`), 'the new replica joined the running run');
  assert.ok(extraTrained > 0, `the new replica trained batches of the run (${extraTrained} samples)`);
  assert.ok(drained && drained.percent < 95, 'the first stage-0 replica was stopped while the run trained');
  assert.equal(await drained.code, 0, `the stopped replica finished its batches and exited 0:\n${drained.pod.process.log().slice(-2000)}`);

  // Nothing lost, nothing twice: every layer trained every batch of both epochs exactly once.
  const resolved = run['spec'] as { batch: number; epochs: number; trainLimit: number };
  const pipeline = run['pipeline'] as { stages: unknown[]; layers: Array<{ layer: number; batches: number; samples: number; duplicates: number }>; deadLettered: number };
  assert.equal(pipeline.stages.length, 4, `four stages: ${JSON.stringify(pipeline.stages)}`);
  const batches = Math.ceil(resolved.trainLimit / resolved.batch) * resolved.epochs;
  for (const layer of pipeline.layers) {
    assert.equal(layer.batches, batches, `layer ${layer.layer}: every batch once (${JSON.stringify(layer)})`);
    assert.equal(layer.samples, resolved.trainLimit * resolved.epochs, `layer ${layer.layer}: every sample once`);
    assert.equal(layer.duplicates, 0, `layer ${layer.layer}: no duplicate trained`);
  }
  assert.equal(pipeline.deadLettered, 0, 'nothing dead-lettered');
  const accuracy = (run['metrics'] as { accuracy: number }).accuracy;
  assert.ok(accuracy > 0.8, `the run learned: ${accuracy}`);
  assert.ok(queuesSeen > 0, 'RabbitMQ\'s metrics showed the run\'s queues while it trained');
  const held = [...(await messagesHeld(id)).entries()].filter(([, n]) => n > 0);
  assert.deepEqual(held, [], 'no queue of the run holds a message');

  // Kubernetes stops pods with SIGTERM and waits terminationGracePeriodSeconds: each exits cleanly within it.
  for (const pod of pods.splice(0)) {
    const grace = Number(templateOf(deployments.find((d) => d.metadata.name === pod.deployment)!).spec.terminationGracePeriodSeconds ?? 30);
    const started = Date.now();
    pod.process.child.kill('SIGTERM');
    const code = await pod.process.exited;
    assert.equal(code, 0, `${pod.name} exits 0 on SIGTERM:\n${pod.process.log().slice(-2000)}`);
    assert.ok(Date.now() - started < grace * 1000, `${pod.name} stopped within its grace period (${grace} s)`);
  }
});
