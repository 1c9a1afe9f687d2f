// A rendered Kubernetes Deployment's container, started as a process on this machine:
// the same command and arguments and the environment Kubernetes would give it, with the
// cluster's names mapped to this machine (the local RabbitMQ, free ports, temp dirs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentOf, roleOf, templateOf, type Container, type K8sObject } from './k8s.js';
import { startRoleProcess, type RoleProcess } from './role-process.js';

export interface ClusterMapping {
  /** Cluster host names (Services) and what answers for them here. */
  readonly hosts: Readonly<Record<string, string>>;
  /** Secrets the cluster's operators create: name -> key -> value here. */
  readonly operatorSecrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Pod {
  readonly name: string;
  readonly deployment: string;
  readonly container: Container;
  readonly process: RoleProcess;
  /** The environment it was started with (as Kubernetes would set it, mapped here). */
  readonly env: Readonly<Record<string, string>>;
}

function mapHosts(value: string, hosts: ClusterMapping['hosts']): string {
  let out = value;
  for (const [from, to] of Object.entries(hosts)) out = out.replaceAll(`//${from}:`, `//${to}:`).replaceAll(`@${from}:`, `@${to}:`);
  return out;
}

/** The environment Kubernetes gives `container` of a pod named `podName`, mapped to this machine. */
export function podEnvironment(deployment: K8sObject, container: Container, podName: string, objects: readonly K8sObject[], mapping: ClusterMapping): Record<string, string> {
  const labels = templateOf(deployment).metadata.labels;
  const volumes = new Map((container.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  const out: Record<string, string> = {};
  for (const v of environmentOf(container, objects).values()) {
    let value: string | undefined;
    if (v.from === 'value') value = v.value;
    else if (v.from === 'field') {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(v.fieldPath)?.[1];
      value = v.fieldPath === 'metadata.name' ? podName : label !== undefined ? labels[label] : undefined;
    } else value = v.value ?? (v.from === 'secret' ? mapping.operatorSecrets[v.object]?.[v.key] : undefined);
    if (value === undefined) throw new Error(`${podName}: ${v.name} has no value here (${JSON.stringify(v)})`);
    out[v.name] = mapHosts(value, mapping.hosts);
    // A mounted volume's path: a fresh directory here.
    if (volumes.has(value)) out[v.name] = mkdtempSync(join(tmpdir(), `pff-${podName}-${volumes.get(value)!}-`));
  }
  // Every pod has port 8080 to itself; processes on one machine take any free port.
  if (out['PFF_PORT'] !== undefined) out['PFF_PORT'] = '0';
  return out;
}

/** Starts the pod's container as a process and waits until its readiness probe answers 200. */
export async function startPod(deployment: K8sObject, podName: string, objects: readonly K8sObject[], mapping: ClusterMapping): Promise<Pod> {
  const container = templateOf(deployment).spec.containers[0]!;
  const env = podEnvironment(deployment, container, podName, objects, mapping);
  const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir() };
  const process_ = await startRoleProcess(container.args ?? [], { ...base, ...env }, /(?:probes on|listening on) :(\d+)/, 120_000, { inherit: false });
  const probe = container.readinessProbe?.httpGet?.path ?? '/readyz';
  const until = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${process_.port}${probe}`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > until) throw new Error(`${podName} (pff ${roleOf(container)}) never ready on ${probe}:\n${process_.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { name: podName, deployment: deployment.metadata.name, container, process: process_, env };
}
