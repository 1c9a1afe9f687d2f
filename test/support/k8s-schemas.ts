// Offline validation of rendered objects: built-in kinds against the Kubernetes API's
// OpenAPI schemas (as compiled by the kubernetes-models package), custom resources
// against their CRDs' published schemas kept in k8s/schemas/.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ts from 'typescript';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { K8sObject } from './k8s.js';
import { ROOT } from './k8s.js';

interface Validatable {
  validate(): void;
}
type Model = new (data: never) => Validatable;

/** The built-in kinds PFF's manifests use, by apiVersion/kind (also their module path in kubernetes-models). */
const BUILT_IN: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Namespace': Namespace as unknown as Model,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'apps/v1/Deployment': Deployment as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
};

export interface CrdSchema {
  readonly file: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Instance paths whose schema was reduced to an open object ("*" for any array index). */
  readonly reduced: readonly string[];
  readonly validate: ValidateFunction;
}

/**
 * Objects with declared properties are closed, as the API server's strict field
 * validation (kubectl's default) treats them: an unknown field is an error, not pruned
 * silently. Open maps (additionalProperties) and preserve-unknown-fields stay open.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'enum' || k === 'default' || k === 'required' ? v : closed(v);
  if (out['properties'] && out['additionalProperties'] === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out['additionalProperties'] = false;
  return out;
}

export function loadCrdSchemas(): CrdSchema[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  const dir = join(ROOT, 'k8s', 'schemas');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((file) => {
    const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { group: string; version: string; kind: string; reduced: string[]; schema: unknown };
    return { file, group: data.group, version: data.version, kind: data.kind, reduced: data.reduced, validate: ajv.compile(closed(data.schema) as object) };
  });
}

/** Problems with one object, each naming the object and the path; [] when it is valid. */
export function validateObject(object: K8sObject, crds: readonly CrdSchema[]): string[] {
  const where = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const model = BUILT_IN[`${object.apiVersion}/${object.kind}`];
  if (model) {
    try {
      new model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
  }
  const crd = crds.find((c) => `${c.group}/${c.version}` === object.apiVersion && c.kind === object.kind);
  if (!crd) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  if (crd.validate(object)) return [];
  return (crd.validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '/'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : ''}`);
}

/** Fields an object sets inside a subtree its schema file reduced (so left unchecked). */
export function reducedFieldsSet(object: K8sObject, crd: CrdSchema): string[] {
  return crd.reduced.filter((path) => {
    const walk = (value: unknown, parts: readonly string[]): boolean => {
      if (parts.length === 0) return value !== undefined;
      if (value === null || typeof value !== 'object') return false;
      const [head, ...rest] = parts;
      if (head === '*') return Array.isArray(value) && value.some((item) => walk(item, rest));
      return walk((value as Record<string, unknown>)[head!], rest);
    };
    return walk(object, path.split('/').filter(Boolean));
  });
}

/**
 * Unknown fields in built-in objects, as `kubectl apply` (strict field validation)
 * rejects them: each object is type-checked, as a TypeScript object literal, against
 * kubernetes-models' interface for its kind, whose excess-property check names any field
 * the Kubernetes API does not have (the JSON-schema validators above let them pass).
 */
export function unknownBuiltInFields(objects: readonly K8sObject[]): string[] {
  const file = join(ROOT, 'test', '.k8s-objects.generated.ts');
  const checked = objects.filter((o) => BUILT_IN[`${o.apiVersion}/${o.kind}`]);
  const kinds = [...new Set(checked.map((o) => `${o.apiVersion}/${o.kind}`))];
  const imports = kinds.map((k, i) => `import type { I${k.split('/').pop()!} as T${i} } from 'kubernetes-models/${k}';`);
  const lines = checked.map((o, i) => `export const o${i}: T${kinds.indexOf(`${o.apiVersion}/${o.kind}`)} = ${JSON.stringify(o)};`);
  const text = [...imports, ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line - imports.length : -1;
    const o = checked[line];
    return `${o ? `${o.kind}/${o.metadata.name}` : 'manifests'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
