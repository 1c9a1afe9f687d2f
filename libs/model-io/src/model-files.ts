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

/** Reads a model saved by `saveModel`, checking every part against the spec it names. */
export function loadModel(dir: string): SavedModel {
  const modelPath = join(dir, MODEL_FILE);
  const manifest = readManifest(modelPath);
  let spec: RunSpec;
  try {
    spec = parseRunSpec(manifest.spec);
  } catch (err) {
    throw new ModelFileError(modelPath, `spec is invalid: ${(err as Error).message}`, { cause: err });
  }
  const [group] = manifest.weightsManifest;
  const weightsPath = join(dir, group!.paths[0]!);
  let buffer: Buffer;
  try {
    buffer = readFileSync(weightsPath);
  } catch (err) {
    throw new ModelFileError(weightsPath, 'cannot be read', { cause: err });
  }
  const expectedBytes = group!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (buffer.length !== expectedBytes) {
    throw new ModelFileError(weightsPath, `has ${buffer.length} bytes, the manifest describes ${expectedBytes}`);
  }
  const network = new FFNetwork(networkConfigOf(spec, manifest.inputSize, manifest.labelScale), createRng(0));
  try {
    const arrayBuffer = new Uint8Array(buffer).buffer;
    assignWeights(network, tf.io.decodeWeights(arrayBuffer, group!.weights), weightsPath);
  } catch (err) {
    network.dispose();
    throw err;
  }
  return { spec, network, metadata: manifest.metadata ?? {} };
}

function readManifest(path: string): Type.Static<typeof ModelJsonSchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `is not valid JSON (${(err as Error).message})`;
    throw new ModelFileError(path, problem, { cause: err });
  }
  const [error] = Value.Errors(ModelJsonSchema, parsed);
  if (error) throw new ModelFileError(path, `is not a ${FORMAT} v${FORMAT_VERSION} file: ${error.instancePath || '/'} ${error.message}`);
  return parsed as Type.Static<typeof ModelJsonSchema>;
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
