// The Kubernetes manifests, proved without a cluster: every overlay renders (Debian's
// kubectl), every object validates against its schema, and what the manifests refer to
// exists: settings, roles, ConfigMaps, Secrets, Services, ports, queues.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROLE_SETTINGS, settingEnvNames, type Role } from '@pff/config';
import { eventsQueue, stageQueue, stageTopic } from '@pff/contracts';
import {
  containers, environmentOf, named, ofKind, OVERLAYS, render, roleOf, ROOT, selects, templateOf, type K8sObject,
} from './support/k8s.js';
import { loadCrdSchemas, reducedFieldsSet, unknownBuiltInFields, validateObject } from './support/k8s-schemas.js';

const rendered = new Map(OVERLAYS.map((overlay) => [overlay, render(overlay)]));
const crds = loadCrdSchemas();

/** What the RabbitMQ Cluster Operator creates for a RabbitmqCluster named `name`. */
const operatorMade = (name: string): { secret: string; service: string; servicePorts: Record<string, number>; podLabels: Record<string, string> } => ({
  secret: `${name}-default-user`,
  service: name,
  servicePorts: { amqp: 5672, management: 15672, prometheus: 15692 },
  podLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' },
});

const rabbitOf = (objects: readonly K8sObject[]): K8sObject => {
  const clusters = ofKind(objects, 'RabbitmqCluster');
  assert.equal(clusters.length, 1, 'one RabbitmqCluster');
  return clusters[0]!;
};

const stageOf = (o: K8sObject): number => Number(o.metadata.labels?.['pff.dev/stage']);

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay}`, () => {
    const objects = rendered.get(overlay)!;

    it('renders the whole system into the pff namespace', () => {
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['Namespace', 'ConfigMap', 'Deployment', 'Service', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'NetworkPolicy', 'RabbitmqCluster', 'ScaledObject', 'TriggerAuthentication', 'ServiceMonitor', 'PodMonitor']) {
        assert.ok(kinds.has(kind), `renders a ${kind}`);
      }
      for (const o of objects) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'pff', `${o.kind}/${o.metadata.name} is in the pff namespace`);
      const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      assert.equal(new Set(names).size, names.length, 'no object twice');
    });

    it('every object validates against the Kubernetes API schemas and the CRDs\' published schemas', () => {
      const problems = objects.flatMap((o) => validateObject(o, crds));
      assert.deepEqual(problems, [], 'schema problems');
      assert.deepEqual(unknownBuiltInFields(objects), [], 'fields the Kubernetes API does not have');
      for (const o of objects) {
        const crd = crds.find((c) => `${c.group}/${c.version}` === o.apiVersion && c.kind === o.kind);
        if (crd) assert.deepEqual(reducedFieldsSet(o, crd), [], `${o.kind}/${o.metadata.name} sets nothing the kept schema leaves unchecked`);
      }
    });

    it('every container runs a pff role, with exactly the settings that role knows, from ConfigMaps and Secrets that exist', () => {
      const rabbit = operatorMade(rabbitOf(objects).metadata.name);
      for (const { deployment, container } of containers(objects)) {
        const where = `${deployment.metadata.name}/${container.name}`;
        const role = roleOf(container);
        assert.ok(role in ROLE_SETTINGS, `${where} runs a pff role (args ${JSON.stringify(container.args)})`);
        assert.equal(container.args!.length, 1, `${where}: settings come from the environment, not flags`);
        assert.equal(container.command, undefined, `${where} keeps the image's entrypoint (tini, then pff)`);
        const settings = settingEnvNames(ROLE_SETTINGS[role as Role]);
        const env = environmentOf(container, objects);
        assert.deepEqual([...env.keys()].filter((name) => !settings.includes(name)), [], `${where}: every variable is a setting of pff ${role}`);
        assert.deepEqual(settings.filter((name) => !env.has(name)), [], `${where}: every setting of pff ${role} is set (the ConfigMaps list them all)`);
        for (const v of env.values()) {
          if (v.from === 'configMap') assert.ok(v.value !== undefined, `${where}: ${v.name} from ConfigMap ${v.object} key ${v.key}, which exists`);
          if (v.from === 'secret' && v.object === rabbit.secret) assert.ok(['username', 'password'].includes(v.key), `${where}: ${v.name} from the operator's Secret`);
          else if (v.from === 'secret') assert.ok(overlay === 'prod' ? named(objects, 'Secret', v.object) === undefined : v.value !== undefined, `${where}: ${v.name} from Secret ${v.object} (${overlay === 'prod' ? 'created by the operator of the cluster, not kept here' : 'rendered'})`);
          if (v.from === 'value') assert.ok(!/TOKEN|PASSWORD|USERNAME/.test(v.name), `${where}: ${v.name} is a credential and must come from a Secret`);
        }
        for (const secret of ['PFF_BROKER_USERNAME', 'PFF_BROKER_PASSWORD', 'PFF_API_TOKEN']) {
          const v = env.get(secret);
          if (v) assert.equal(v.from, 'secret', `${where}: ${secret} comes from a Secret`);
        }
        const broker = env.get('PFF_BROKER_URL');
        assert.ok(broker?.from === 'configMap' && broker.value, `${where}: PFF_BROKER_URL from a ConfigMap`);
        const url = new URL(broker.value);
        assert.equal(url.username + url.password, '', `${where}: no credentials in the broker URL`);
        assert.equal(`${url.hostname}:${url.port}`, `${rabbit.service}.pff.svc:${rabbit.servicePorts['amqp']}`, `${where}: the broker URL names the operator's Service`);
      }
    });

    it('holds no credential in prod: no Secret rendered, the API token Secret is created on the cluster', () => {
      if (overlay !== 'prod') return;
      assert.deepEqual(ofKind(objects, 'Secret').map((s) => s.metadata.name), [], 'no Secret in the prod overlay');
    });

    it('containers are locked down, sized and probed', () => {
      for (const { deployment, template, container } of containers(objects)) {
        const where = deployment.metadata.name;
        const pod = template.spec;
        assert.equal(pod.securityContext?.['runAsNonRoot'], true, `${where}: runAsNonRoot`);
        assert.ok(Number(pod.securityContext?.['runAsUser']) > 0, `${where}: a non-root uid`);
        assert.equal(pod.automountServiceAccountToken, false, `${where}: no service-account token`);
        assert.equal(container.securityContext?.['readOnlyRootFilesystem'], true, `${where}: read-only root filesystem`);
        assert.equal(container.securityContext?.['allowPrivilegeEscalation'], false, `${where}: no privilege escalation`);
        for (const kind of ['requests', 'limits'] as const) for (const r of ['cpu', 'memory']) assert.ok(container.resources?.[kind]?.[r], `${where}: ${kind}.${r}`);
        const portNames = new Set((container.ports ?? []).map((p) => p.name));
        for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz'], ['startupProbe', '/healthz']] as const) {
          const get = container[probe]?.httpGet;
          assert.equal(get?.path, path, `${where}: ${probe} on ${path}`);
          assert.ok(portNames.has(String(get.port)), `${where}: ${probe} port ${String(get.port)} is a named container port`);
        }
        const startup = container.startupProbe as { periodSeconds?: number; failureThreshold?: number } | undefined;
        const wait = environmentOf(container, objects).get('PFF_BROKER_WAIT_MS');
        const startupSeconds = (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
        assert.ok(wait?.from === 'configMap' && Number(wait.value) < startupSeconds * 1000, `${where}: it waits for the broker (${String(wait && 'value' in wait ? wait.value : '')} ms) less than its startup probe allows (${startupSeconds} s), then exits and is restarted`);
        const mounts = container.volumeMounts ?? [];
        for (const m of mounts) assert.ok(pod.volumes?.some((v) => v.name === m.name), `${where}: volume ${m.name} exists`);
        for (const v of pod.volumes ?? []) {
          if (v.persistentVolumeClaim) assert.ok(named(objects, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName), `${where}: PVC ${v.persistentVolumeClaim.claimName} exists`);
        }
      }
    });

    it('the scheduler is one replica, replaced never overlapping, its run store on a volume', () => {
      const schedulers = containers(objects).filter((c) => roleOf(c.container) === 'scheduler');
      assert.equal(schedulers.length, 1, 'one scheduler Deployment');
      const { deployment, container } = schedulers[0]!;
      const spec = deployment.spec as { replicas: number; strategy: { type: string } };
      assert.equal(spec.replicas, 1, 'one replica');
      assert.equal(spec.strategy.type, 'Recreate', 'Recreate: the old pod is gone before the new one starts');
      const runDir = environmentOf(container, objects).get('PFF_RUN_DIR');
      assert.ok(runDir?.from === 'configMap', 'PFF_RUN_DIR set');
      assert.ok(container.volumeMounts?.some((m) => m.mountPath === runDir.value && m.name === 'runs'), `the run store ${runDir.value} is the mounted volume`);
    });

    it('one layer-worker Deployment per stage, each with its ScaledObject on its own queues and a PodDisruptionBudget', () => {
      const workers = ofKind(objects, 'Deployment').filter((d) => roleOf(templateOf(d).spec.containers[0]!) === 'worker');
      const stages = workers.map(stageOf).sort((a, b) => a - b);
      assert.deepEqual(stages, stages.map((_, i) => i), `stages 0..${stages.length - 1}, each once`);
      const api = containers(objects).find((c) => roleOf(c.container) === 'api')!;
      const apiEnv = environmentOf(api.container, objects);
      const scheduler = containers(objects).find((c) => roleOf(c.container) === 'scheduler')!;
      const commitEvery = Number((environmentOf(scheduler.container, objects).get('PFF_COMMIT_EVERY') as { value: string }).value);
      assert.equal(Number((apiEnv.get('PFF_MAX_STAGES') as { value: string }).value), workers.length, 'the API lets a run span exactly the stages deployed');
      assert.ok(Number((apiEnv.get('PFF_DEFAULT_WORKERS') as { value: string }).value) <= workers.length, 'default runs fit the stages');
      const rabbit = operatorMade(rabbitOf(objects).metadata.name);
      const scaled = ofKind(objects, 'ScaledObject');
      assert.equal(scaled.length, workers.length, 'a ScaledObject per stage');
      for (const worker of workers) {
        const stage = stageOf(worker);
        const template = templateOf(worker);
        const env = environmentOf(template.spec.containers[0]!, objects);
        const stageVar = env.get('PFF_STAGE');
        assert.ok(stageVar?.from === 'field' && stageVar.fieldPath === "metadata.labels['pff.dev/stage']", 'PFF_STAGE from the pod\'s stage label');
        assert.equal(template.metadata.labels['pff.dev/stage'], String(stage), 'the pods carry the stage label');
        assert.ok(Number(template.spec.terminationGracePeriodSeconds) >= 30, `stage ${stage}: time to finish the batches in hand`);
        const so = scaled.find((s) => (s.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === worker.metadata.name);
        assert.ok(so, `a ScaledObject scales ${worker.metadata.name}`);
        const spec = so.spec as { minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string>; authenticationRef: { name: string } }> };
        assert.ok(spec.minReplicaCount >= 1, 'a stage never scales to zero (a run announced meanwhile would wait for a pod)');
        assert.ok(spec.maxReplicaCount > spec.minReplicaCount, 'room to scale');
        assert.equal(spec.maxReplicaCount, Number((apiEnv.get('PFF_MAX_STAGE_REPLICAS') as { value: string }).value), 'the API refuses federated runs that need more replicas than KEDA will start');
        const prefetch = Number((env.get('PFF_PREFETCH') as { value: string }).value);
        // Ready messages only: what a replica holds (in hand, or trained and awaiting its commit) is no backlog.
        const window = 3 * Number((apiEnv.get('PFF_DEFAULT_WORKERS') as { value: string }).value);
        const value = Number(spec.triggers[0]!.metadata['value']);
        assert.ok(prefetch + commitEvery < window, `a lone replica (PFF_PREFETCH ${prefetch} + PFF_COMMIT_EVERY ${commitEvery} deliveries at most) cannot take a default run's whole in-flight window (${window}): a backed-up stage leaves batches waiting`);
        assert.ok(value <= window - prefetch - commitEvery, `what a backed-up stage leaves waiting (at least ${window - prefetch - commitEvery}, more while it holds batches for a commit) reaches the trigger value ${value}`);
        const trigger = spec.triggers[0]!;
        assert.equal(trigger.type, 'rabbitmq');
        assert.equal(trigger.metadata['protocol'], 'http', 'the management API (queue names by regex, unacked left out)');
        assert.equal(trigger.metadata['excludeUnacknowledged'], 'true', 'batches a replica holds (in hand, or awaiting their commit) are no backlog');
        assert.equal(trigger.metadata['useRegex'], 'true');
        assert.equal(trigger.metadata['operation'], 'sum', 'summed over every run');
        const host = new URL(trigger.metadata['host']!);
        assert.equal(`${host.hostname}:${host.port}`, `${rabbit.service}.pff.svc:${rabbit.servicePorts['management']}`, 'the operator\'s management port');
        assert.equal(host.username + host.password, '', 'no credentials in the trigger');
        const auth = named(objects, 'TriggerAuthentication', trigger.authenticationRef.name);
        assert.ok(auth, `TriggerAuthentication ${trigger.authenticationRef.name} exists`);
        for (const ref of (auth.spec as { secretTargetRef: Array<{ name: string; key: string }> }).secretTargetRef) {
          assert.equal(ref.name, rabbit.secret, 'KEDA reads the operator\'s Secret');
          assert.ok(['username', 'password'].includes(ref.key), ref.key);
        }
        // Go's RE2 and JavaScript agree on this syntax: the pattern KEDA evaluates, tried here.
        const pattern = new RegExp(trigger.metadata['queueName']!);
        for (const run of ['a', 'e2e-1234', 'r'.repeat(63)]) {
          assert.ok(pattern.test(stageQueue(run, stage)), `stage ${stage} counts ${stageQueue(run, stage)}`);
          assert.ok(pattern.test(stageQueue(run, stage, 3)), `stage ${stage} counts federated shards`);
          for (const other of [stageQueue(run, stage + 1), stageQueue(run, stage + 10), eventsQueue(run), stageTopic(run, stage), `${stageQueue(run, stage)}.dlq`]) {
            assert.ok(!pattern.test(other), `stage ${stage} does not count ${other}`);
          }
        }
        const pdbs = ofKind(objects, 'PodDisruptionBudget').filter((p) => selects((p.spec as { selector: never }).selector, template.metadata.labels));
        assert.equal(pdbs.length, 1, `one PodDisruptionBudget covers ${worker.metadata.name}`);
      }
    });

    it('Services, monitors and disruption budgets select pods that exist, on ports that exist', () => {
      const pods = ofKind(objects, 'Deployment').map((d) => ({ name: d.metadata.name, template: templateOf(d) }));
      const podsMatching = (selector: Parameters<typeof selects>[0]): typeof pods => pods.filter((p) => selects(selector, p.template.metadata.labels));
      const ports = (p: (typeof pods)[number]): Set<string> => new Set(p.template.spec.containers.flatMap((c) => (c.ports ?? []).map((x) => x.name ?? '')));
      for (const service of ofKind(objects, 'Service')) {
        const spec = service.spec as { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string }> };
        const matched = podsMatching({ matchLabels: spec.selector });
        assert.equal(matched.length, 1, `Service ${service.metadata.name} selects one Deployment's pods`);
        for (const port of spec.ports) assert.ok(ports(matched[0]!).has(port.targetPort), `Service ${service.metadata.name} targets port ${port.targetPort}`);
      }
      for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
        assert.equal(podsMatching((pdb.spec as { selector: never }).selector).length, 1, `PDB ${pdb.metadata.name} covers one Deployment`);
      }
      const rabbit = operatorMade(rabbitOf(objects).metadata.name);
      for (const monitor of ofKind(objects, 'ServiceMonitor')) {
        const spec = monitor.spec as { selector: never; endpoints: Array<{ port: string; path: string }> };
        const services = ofKind(objects, 'Service').filter((s) => selects(spec.selector, s.metadata.labels ?? {}));
        if (selects(spec.selector, rabbit.podLabels)) {
          for (const e of spec.endpoints) assert.ok(e.port in rabbit.servicePorts, `ServiceMonitor ${monitor.metadata.name}: the operator's Service has port ${e.port}`);
          continue;
        }
        assert.equal(services.length, 1, `ServiceMonitor ${monitor.metadata.name} selects one Service`);
        const servicePorts = (services[0]!.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name);
        for (const e of spec.endpoints) assert.ok(servicePorts.includes(e.port) && e.path === '/metrics', `ServiceMonitor ${monitor.metadata.name} scrapes ${e.port}${e.path}`);
      }
      for (const monitor of ofKind(objects, 'PodMonitor')) {
        const spec = monitor.spec as { selector: never; podMetricsEndpoints: Array<{ port: string; path: string }> };
        const matched = podsMatching(spec.selector);
        assert.ok(matched.length >= 1, `PodMonitor ${monitor.metadata.name} selects pods`);
        for (const p of matched) for (const e of spec.podMetricsEndpoints) assert.ok(ports(p).has(e.port) && e.path === '/metrics', `PodMonitor ${monitor.metadata.name}: ${p.name} serves ${e.port}${e.path}`);
      }
      const monitored = new Set([...ofKind(objects, 'PodMonitor').flatMap((m) => podsMatching((m.spec as { selector: never }).selector).map((p) => p.name)),
        ...ofKind(objects, 'ServiceMonitor').flatMap((m) => ofKind(objects, 'Service').filter((s) => selects((m.spec as { selector: never }).selector, s.metadata.labels ?? {}))
          .flatMap((s) => podsMatching({ matchLabels: (s.spec as { selector: Record<string, string> }).selector }).map((p) => p.name)))]);
      assert.deepEqual(pods.map((p) => p.name).filter((n) => !monitored.has(n)), [], 'every Deployment is scraped');
      assert.ok(ofKind(objects, 'ServiceMonitor').some((m) => selects((m.spec as { selector: never }).selector, rabbit.podLabels)), 'RabbitMQ is scraped');
    });

    it('the broker takes the messages the pipeline sends', () => {
      const config = String((rabbitOf(objects).spec as { rabbitmq: { additionalConfig: string } }).rabbitmq.additionalConfig);
      const max = Number(/^max_message_size\s*=\s*(\d+)/m.exec(config)?.[1]);
      for (const { container } of containers(objects)) {
        const parts = Number((environmentOf(container, objects).get('PFF_MAX_MESSAGE_BYTES') as { value: string }).value);
        assert.ok(parts > 0 && parts < max, `PFF_MAX_MESSAGE_BYTES ${parts} below RabbitMQ's max_message_size ${max}`);
      }
    });

    it('ships both Grafana dashboards as ConfigMaps for the sidecar, the same JSON as grafana/dashboards', () => {
      const dashboards = ofKind(objects, 'ConfigMap').filter((c) => c.metadata.labels?.['grafana_dashboard'] === '1');
      assert.equal(dashboards.length, 2, 'two dashboards');
      for (const file of ['pff-run-overview.json', 'pff-services.json']) {
        const cm = dashboards.find((d) => d.data?.[file] !== undefined);
        assert.ok(cm, `a ConfigMap holds ${file}`);
        assert.deepEqual(JSON.parse(cm.data![file]!), JSON.parse(readFileSync(join(ROOT, 'grafana', 'dashboards', file), 'utf8')), `${file} as in grafana/dashboards`);
      }
    });
  });
}

describe('the validators can fail', () => {
  const objects = rendered.get('dev')!;
  const broken = (kind: string, change: (o: K8sObject) => void): K8sObject => {
    const copy = structuredClone(ofKind(objects, kind)[0]!);
    change(copy);
    return copy;
  };
  it('a wrong type in a built-in object is reported', () => {
    const problems = validateObject(broken('Deployment', (o) => ((o.spec as Record<string, unknown>)['replicas'] = 'two')), crds);
    assert.match(problems.join('\n'), /replicas must be integer/);
  });
  it('an unknown field in a built-in object is reported', () => {
    const typo = broken('Deployment', (o) => {
      const container = templateOf(o).spec.containers[0] as unknown as Record<string, unknown>;
      container['imagePullPolicie'] = 'Always';
    });
    assert.match(unknownBuiltInFields([typo]).join('\n'), /Deployment\/pff-api: .*'"imagePullPolicie"' does not exist in type 'IContainer'/);
  });
  it('an unknown or wrongly typed field in a custom resource is reported', () => {
    assert.match(validateObject(broken('ScaledObject', (o) => ((o.spec as Record<string, unknown>)['minReplicas'] = 1)), crds).join('\n'), /must NOT have additional properties \(minReplicas\)/);
    assert.match(validateObject(broken('RabbitmqCluster', (o) => ((o.spec as Record<string, unknown>)['replicas'] = '3')), crds).join('\n'), /replicas must be integer/);
    assert.match(validateObject(broken('ServiceMonitor', (o) => ((o.spec as { endpoints: Array<Record<string, unknown>> }).endpoints[0]!['interval'] = 'often')), crds).join('\n'), /interval must match pattern/);
  });
});

describe('the roles the containers run', () => {
  it('are real pff commands', () => {
    const roles = new Set(containers(rendered.get('prod')!).map((c) => roleOf(c.container)));
    assert.deepEqual([...roles].sort(), ['api', 'scheduler', 'worker']);
    for (const role of roles) {
      const help = spawnSync(process.execPath, [join(ROOT, 'bin', 'pff.mjs'), role, '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, `pff ${role} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`Usage: pff ${role}`), `pff ${role} is a command`);
    }
  });
});
