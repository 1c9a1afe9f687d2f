// Rendering the kustomize overlays (Debian's kubectl) and reading what they hold: the
// objects, the containers, and each container's environment as Kubernetes would set it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const OVERLAYS = ['dev', 'prod'] as const;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: Container[];
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }>;
    securityContext?: Record<string, unknown>;
    terminationGracePeriodSeconds?: number;
    automountServiceAccountToken?: boolean;
  };
}

/** `kubectl kustomize k8s/overlays/<overlay>`, parsed. */
export function render(overlay: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s', 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`kustomize rendered bad YAML: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function named(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export function templateOf(deployment: K8sObject): PodTemplate {
  return (deployment.spec as { template: PodTemplate }).template;
}

/** The `pff` role a container runs: its first argument (the image's entrypoint is `pff`). */
export function roleOf(container: Container): string {
  return container.args?.[0] ?? '';
}

/** Whether `labels` satisfy a label selector (matchLabels and matchExpressions). */
export function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(value!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(value!)
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/** Where a container's variable comes from, resolved against the rendered objects. */
export type Resolved = { name: string; from: 'value'; value: string }
  | { name: string; from: 'configMap' | 'secret'; object: string; key: string; value: string | undefined }
  | { name: string; from: 'field'; fieldPath: string };

/** A container's environment in Kubernetes' order: envFrom first, then env (later wins). */
export function environmentOf(container: Container, objects: readonly K8sObject[]): Map<string, Resolved> {
  const out = new Map<string, Resolved>();
  const dataOf = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined => {
    const o = named(objects, kind, name);
    if (!o) return undefined;
    if (kind === 'ConfigMap') return o.data ?? {};
    return Object.fromEntries(Object.entries((o.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  for (const source of container.envFrom ?? []) {
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const name = (source.configMapRef ?? source.secretRef)!.name;
    for (const [key, value] of Object.entries(dataOf(kind, name) ?? {})) {
      out.set(key, { name: key, from: kind === 'ConfigMap' ? 'configMap' : 'secret', object: name, key, value });
    }
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) out.set(v.name, { name: v.name, from: 'value', value: v.value });
    else if (v.valueFrom?.configMapKeyRef) {
      const { name, key } = v.valueFrom.configMapKeyRef;
      out.set(v.name, { name: v.name, from: 'configMap', object: name, key, value: dataOf('ConfigMap', name)?.[key] });
    } else if (v.valueFrom?.secretKeyRef) {
      const { name, key } = v.valueFrom.secretKeyRef;
      out.set(v.name, { name: v.name, from: 'secret', object: name, key, value: dataOf('Secret', name)?.[key] });
    } else if (v.valueFrom?.fieldRef) out.set(v.name, { name: v.name, from: 'field', fieldPath: v.valueFrom.fieldRef.fieldPath });
    else throw new Error(`${container.name}: env ${v.name} has neither value nor a source this test knows`);
  }
  return out;
}

/** Every Deployment's containers, with the Deployment. */
export function containers(objects: readonly K8sObject[]): Array<{ deployment: K8sObject; template: PodTemplate; container: Container }> {
  return ofKind(objects, 'Deployment').flatMap((deployment) => {
    const template = templateOf(deployment);
    return template.spec.containers.map((container) => ({ deployment, template, container }));
  });
}
