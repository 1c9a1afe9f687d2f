// What the manifests let through and what the image runs as, checked without a cluster:
// the NetworkPolicies evaluated for every connection that matters, and the Dockerfile read.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ofKind, OVERLAYS, render, ROOT, templateOf } from './support/k8s.js';
import { allowed, EXTERNAL, type Peer, type Pod } from './support/network-policy.js';

for (const overlay of OVERLAYS) {
  describe(`network policies of k8s/overlays/${overlay}`, () => {
    const objects = render(overlay);
    const policies = ofKind(objects, 'NetworkPolicy');
    const podOf = (component: string): Pod => {
      const d = ofKind(objects, 'Deployment').find((x) => templateOf(x).metadata.labels['app.kubernetes.io/component'] === component);
      assert.ok(d, `a ${component} Deployment`);
      const t = templateOf(d);
      const ports = Object.fromEntries(t.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => [p.name ?? '', p.containerPort])));
      return { name: d.metadata.name, namespace: 'pff', labels: t.metadata.labels, ports };
    };
    const api = podOf('api');
    const scheduler = podOf('scheduler');
    const worker = podOf('layer-worker');
    // Labels the RabbitMQ Cluster Operator gives its pods.
    const rabbit = (i: number): Pod => ({ name: `pff-rabbitmq-server-${i}`, namespace: 'pff', labels: { 'app.kubernetes.io/name': 'pff-rabbitmq', 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' } });
    const inNamespace = (namespace: string, labels: Record<string, string> = {}): Pod => ({ name: `a pod in ${namespace}`, namespace, labels });
    const prometheus = inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const keda = inNamespace('keda', { app: 'keda-operator' });
    const dns = inNamespace('kube-system', { 'k8s-app': 'kube-dns' });
    const stranger = inNamespace('default', { app: 'something-else' });

    const cases: Array<[string, Peer, Peer, number, boolean, string?]> = [
      ['a user reaches the API', EXTERNAL, api, 8080, true],
      ['a pod elsewhere reaches the API', stranger, api, 8080, true],
      ['a user cannot reach the scheduler', EXTERNAL, scheduler, 8080, false],
      ['a user cannot reach a worker', EXTERNAL, worker, 8080, false],
      ['a user cannot reach RabbitMQ', EXTERNAL, rabbit(0), 5672, false],
      ['a user cannot reach RabbitMQ\'s management API', EXTERNAL, rabbit(0), 15672, false],
      ['a pod elsewhere cannot reach RabbitMQ', stranger, rabbit(0), 5672, false],
      ['a worker reaches RabbitMQ', worker, rabbit(0), 5672, true],
      ['a worker resolves names', worker, dns, 53, true, 'UDP'],
      ['a worker cannot reach the API', worker, api, 8080, false],
      ['a worker cannot reach the scheduler', worker, scheduler, 8080, false],
      ['a worker cannot reach another worker', worker, podOf('layer-worker'), 8080, false],
      ['a worker cannot reach the internet', worker, EXTERNAL, 443, false],
      ['a worker cannot reach RabbitMQ\'s management API', worker, rabbit(0), 15672, false],
      ['a worker cannot reach a pod elsewhere', worker, stranger, 8080, false],
      ['the scheduler reaches RabbitMQ', scheduler, rabbit(0), 5672, true],
      ['the scheduler cannot reach the internet', scheduler, EXTERNAL, 443, false],
      ['the API reaches RabbitMQ', api, rabbit(0), 5672, true],
      ['the API cannot reach a worker', api, worker, 8080, false],
      ['Prometheus scrapes a worker', prometheus, worker, 8080, true],
      ['Prometheus scrapes the scheduler', prometheus, scheduler, 8080, true],
      ['Prometheus scrapes the API', prometheus, api, 8080, true],
      ['Prometheus scrapes RabbitMQ', prometheus, rabbit(0), 15692, true],
      ['Prometheus cannot use AMQP', prometheus, rabbit(0), 5672, false],
      ['KEDA reads queue depths', keda, rabbit(0), 15672, true],
      ['KEDA cannot reach a worker', keda, worker, 8080, false],
      ['RabbitMQ nodes cluster', rabbit(0), rabbit(1), 25672, true],
    ];
    for (const [what, from, to, port, expected, protocol] of cases) {
      it(what, () => assert.equal(allowed(policies, from, to, port, protocol), expected, `${what}: ${from.name} -> ${to.name}:${port}`));
    }
  });
}

describe('the container image (Dockerfile)', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const final = lines.slice(lines.lastIndexOf(stages[stages.length - 1]!));
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

  it('builds in stages and runs the last one as a non-root user', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const user = final.filter((l) => /^USER /i.test(l)).pop();
    assert.ok(user, 'the runtime stage sets USER');
    assert.ok(!/^USER\s+(root|0)(:|$)/i.test(user), `not root: ${user}`);
    assert.match(user, /^USER\s+\d+(:\d+)?$/, 'a numeric uid, which runAsNonRoot can verify');
  });

  it('starts pff under an init that forwards signals, in exec form', () => {
    const entry = final.filter((l) => /^ENTRYPOINT /i.test(l)).pop();
    assert.ok(entry, 'ENTRYPOINT');
    const argv = JSON.parse(entry.replace(/^ENTRYPOINT\s+/i, '')) as string[];
    assert.match(argv[0]!, /tini$/, 'tini is PID 1: SIGTERM reaches node, zombies are reaped');
    assert.deepEqual(argv.slice(-2), ['node', '/app/bin/pff.mjs'], 'then pff, so a container\'s args are a role');
  });

  it('installs the native TensorFlow backend and, on x86_64, fails the build without it', () => {
    const install = lines.find((l) => /npm ci/.test(l));
    assert.ok(install && /--include=optional/.test(install) && /--omit=dev/.test(install), `production install with optional dependencies: ${install}`);
    assert.match(text, /if \[ "\$\(uname -m\)" = x86_64 \]; then node -e "require\('@tensorflow\/tfjs-node'\)"/, 'on x86_64 the build checks that tfjs-node loads');
    const backend = JSON.parse(readFileSync(join(ROOT, 'libs', 'backend', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
    assert.ok(backend.optionalDependencies['@tensorflow/tfjs-node'], 'tfjs-node is the optional dependency the image installs');
  });

  it('copies only what exists and what .dockerignore lets through', () => {
    for (const pattern of ['.git', '**/node_modules', 'runs', 'bench/results']) assert.ok(ignored.includes(pattern), `.dockerignore leaves out ${pattern}`);
    for (const copy of lines.filter((l) => /^COPY /i.test(l) && !/--from=/.test(l))) {
      const parts = copy.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        assert.ok(existsSync(join(ROOT, source)), `${copy}: ${source} exists`);
        assert.ok(!ignored.includes(source), `${copy}: ${source} is not ignored`);
      }
    }
  });
});
