import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import Type from 'typebox';
import Value from 'typebox/value';
import { parseRunSpec, type RunSpec } from '@pff/contracts';
import { FFNetwork } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { networkConfigOf } from '@pff/trainer';
import { ModelFileError } from './model-file-error.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
const FORMAT = 'pff-ff-model';
const FORMAT_VERSION = 1;

const WeightSpecSchema = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer({ minimum: 0 })),
  dtype: Type.Literal('float32'),
});

/**
 * model.json: the spec that made the network plus a tfjs weights manifest
 * (`weightsManifest: [{paths, weights}]`), so `tf.io.decodeWeights` (or any tfjs
 * loader) reads weights.bin back.
 */
const ModelJsonSchema = Type.Object({
  format: Type.Literal(FORMAT),
  formatVersion: Type.Literal(FORMAT_VERSION),
  spec: Type.Unknown(),
  inputSize: Type.Integer({ minimum: 11 }),
  labelScale: Type.Number({ exclusiveMinimum: 0 }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** SHA-256 of weights.bin (hex): a weights file from another save, or damaged in place, is refused. Absent in older files. */
  weightsSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  weightsManifest: Type.Array(
    Type.Object({ paths: Type.Array(Type.String(), { minItems: 1, maxItems: 1 }), weights: Type.Array(WeightSpecSchema) }),
    { minItems: 1, maxItems: 1 },
  ),
});

export interface SavedModel {
  readonly spec: RunSpec;
  readonly network: FFNetwork;
  readonly metadata: Record<string, unknown>;
}

/** Writes model.json and weights.bin into `dir` (created if needed); files appear whole or not at all. */
export async function saveModel(dir: string, spec: RunSpec, network: FFNetwork, metadata: Record<string, unknown> = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const named = network.namedWeights().map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    spec,
    inputSize: network.config.inputSize,
    labelScale: network.config.labelScale,
    metadata,
    weightsSha256: sha256(new Uint8Array(data)),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  writeAtomically(join(dir, WEIGHTS_FILE), Buffer.from(data));
  writeAtomically(join(dir, MODEL_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

function writeAtomically(path: string, content: string | Buffer): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, path);
}

/** The two files of a saved model, as bytes (for sending a model elsewhere). */
export interface ModelFiles {
  readonly modelJson: string;
  readonly weights: Uint8Array;
}

/** Reads a model's files without building the network (ModelFileError naming a missing file). */
export function readModelFiles(dir: string): ModelFiles {
  const modelPath = join(dir, MODEL_FILE);
  const modelJson = readText(modelPath);
  const weightsPath = join(dir, WEIGHTS_FILE);
  try {
    return { modelJson, weights: new Uint8Array(readFileSync(weightsPath)) };
  } catch (err) {
    throw new ModelFileError(weightsPath, 'cannot be read', { cause: err });
  }
}

/** Reads a model saved by `saveModel`, checking every part against the spec it names. */
export function loadModel(dir: string): SavedModel {
  const modelPath = join(dir, MODEL_FILE);
  const manifest = parseManifest(readText(modelPath), modelPath);
  const weightsPath = join(dir, manifest.weightsManifest[0]!.paths[0]!);
  let buffer: Buffer;
  try {
    buffer = readFileSync(weightsPath);
  } catch (err) {
    throw new ModelFileError(weightsPath, 'cannot be read', { cause: err });
  }
  return buildModel(manifest, new Uint8Array(buffer), { model: modelPath, weights: weightsPath });
}

/**
 * Builds the network from a model's files held in memory; `names` say where they came
 * from, for the errors (a damaged part is refused, naming it).
 */
export function modelFromFiles(files: ModelFiles, names: { readonly model: string; readonly weights: string }): SavedModel {
  return buildModel(parseManifest(files.modelJson, names.model), files.weights, names);
}

function buildModel(manifest: Manifest, weights: Uint8Array, names: { readonly model: string; readonly weights: string }): SavedModel {
  let spec: RunSpec;
  try {
    spec = parseRunSpec(manifest.spec);
  } catch (err) {
    throw new ModelFileError(names.model, `spec is invalid: ${(err as Error).message}`, { cause: err });
  }
  const [group] = manifest.weightsManifest;
  const expectedBytes = group!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== expectedBytes) {
    throw new ModelFileError(names.weights, `has ${weights.length} bytes, the manifest describes ${expectedBytes}`);
  }
  if (manifest.weightsSha256 !== undefined && sha256(weights) !== manifest.weightsSha256) {
    throw new ModelFileError(names.weights, `does not match ${names.model} (SHA-256 differs): damaged, or written by another save`);
  }
  const network = new FFNetwork(networkConfigOf(spec, manifest.inputSize, manifest.labelScale), createRng(0));
  try {
    const arrayBuffer = weights.slice().buffer;
    assignWeights(network, tf.io.decodeWeights(arrayBuffer, group!.weights), names.weights);
  } catch (err) {
    network.dispose();
    throw err;
  }
  return { spec, network, metadata: manifest.metadata ?? {} };
}

type Manifest = Type.Static<typeof ModelJsonSchema>;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
    throw new ModelFileError(path, problem, { cause: err });
  }
}

function parseManifest(text: string, path: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(path, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const [error] = Value.Errors(ModelJsonSchema, parsed);
  if (error) throw new ModelFileError(path, `is not a ${FORMAT} v${FORMAT_VERSION} file: ${error.instancePath || '/'} ${error.message}`);
  return parsed as Manifest;
}

function assignWeights(network: FFNetwork, tensors: tf.NamedTensorMap, file: string): void {
  const expected = network.namedWeights();
  const extra = Object.keys(tensors).filter((name) => !expected.some(([n]) => n === name));
  try {
    if (extra.length > 0) throw new ModelFileError(file, `holds weights the spec has no place for: ${extra.join(', ')}`);
    for (const [name, variable] of expected) {
      const tensor = tensors[name];
      if (!tensor) throw new ModelFileError(file, `lacks weight ${name}`);
      if (tensor.shape.join('x') !== variable.shape.join('x')) {
        throw new ModelFileError(file, `weight ${name} has shape ${tensor.shape.join('x')}, the spec needs ${variable.shape.join('x')}`);
      }
      variable.assign(tensor);
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
