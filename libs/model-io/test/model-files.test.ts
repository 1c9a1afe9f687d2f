import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@pff/backend';
import { parseRunSpec } from '@pff/contracts';
import { FFNetwork } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { networkConfigOf } from '@pff/trainer';
import { loadModel, ModelFileError, saveModel } from '@pff/model-io';

before(async () => {
  await initBackend('wasm');
});

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pff-model-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const specs = [
  parseRunSpec({ layers: [16, 12], classifier: 'softmax' }),
  parseRunSpec({ layers: [16, 12, 8], classifier: 'goodness' }),
  parseRunSpec({ layers: [16, 12], objective: 'local-softmax' }),
];

for (const spec of specs) {
  test(`save then load gives the same scores (${spec.objective}, ${spec.classifier}, ${spec.layers.length} layers)`, async (t) => {
    const dir = tempDir(t);
    const network = new FFNetwork(networkConfigOf(spec, 30, 1), createRng(9));
    const x = tf.randomUniform([5, 30], 0, 1, 'float32', 1) as tf.Tensor2D;
    const before = network.scores(x);
    await saveModel(dir, spec, network, { accuracy: 0.5 });
    const loaded = loadModel(dir);
    assert.deepEqual(loaded.spec, spec);
    assert.deepEqual(loaded.metadata, { accuracy: 0.5 });
    const after = loaded.network.scores(x);
    assert.deepEqual(Array.from(after.dataSync()), Array.from(before.dataSync()));
    // The weights are a plain tfjs manifest + binary: tfjs decodes them directly.
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
    const bin = readFileSync(join(dir, 'weights.bin'));
    const decoded = tf.io.decodeWeights(new Uint8Array(bin).buffer, manifest.weightsManifest[0]!.weights);
    assert.deepEqual(Object.keys(decoded).sort(), network.namedWeights().map(([n]) => n).sort());
    tf.dispose([x, before, after, ...Object.values(decoded)]);
    network.dispose();
    loaded.network.dispose();
  });
}

test('damaged model files are refused with the file and problem named', async (t) => {
  const dir = tempDir(t);
  const spec = specs[0]!;
  const network = new FFNetwork(networkConfigOf(spec, 30, 1), createRng(9));
  await saveModel(dir, spec, network);
  network.dispose();
  const modelPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.bin');
  const original = readFileSync(modelPath, 'utf8');
  const bin = readFileSync(weightsPath);
  const expectError = (pattern: RegExp): void => {
    assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && pattern.test(err.message));
  };

  writeFileSync(weightsPath, bin.subarray(0, bin.length - 8));
  expectError(/weights\.bin: has \d+ bytes, the manifest describes \d+/);
  writeFileSync(weightsPath, bin);

  writeFileSync(modelPath, '{"format": "pff-ff-model"');
  expectError(/model\.json: is not valid JSON/);
  writeFileSync(modelPath, JSON.stringify({ ...JSON.parse(original), formatVersion: 7 }));
  expectError(/model\.json: is not a pff-ff-model v1 file: \/formatVersion/);
  writeFileSync(modelPath, JSON.stringify({ ...JSON.parse(original), spec: { layers: [16, 13] } }));
  expectError(/weight layer1\/weights has shape 12x16, the spec needs 13x16/);
  writeFileSync(modelPath, JSON.stringify({ ...JSON.parse(original), spec: { layers: -1 } }));
  expectError(/model\.json: spec is invalid: layers/);
  rmSync(modelPath);
  expectError(/model\.json: not found/);
});

test('a weights file of the right length but other bytes is refused: damaged, or from another save', async (t) => {
  const dir = tempDir(t);
  const other = tempDir(t);
  const spec = specs[0]!;
  const network = new FFNetwork(networkConfigOf(spec, 30, 1), createRng(9));
  const sibling = new FFNetwork(networkConfigOf(spec, 30, 1), createRng(10));
  await saveModel(dir, spec, network);
  await saveModel(other, spec, sibling);
  network.dispose();
  sibling.dispose();
  const weightsPath = join(dir, 'weights.bin');
  const bin = readFileSync(weightsPath);
  const refused = (pattern: RegExp): void => {
    assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && err.message.startsWith(`${weightsPath}: `) && pattern.test(err.message));
  };
  // A save cut short between its two files: the new weights with the old model.json.
  writeFileSync(weightsPath, readFileSync(join(other, 'weights.bin')));
  refused(/does not match .*model\.json \(SHA-256 differs\): damaged, or written by another save/);
  const flipped = Buffer.from(bin);
  flipped[100]! ^= 0x40;
  writeFileSync(weightsPath, flipped);
  refused(/SHA-256 differs/);
  writeFileSync(weightsPath, Buffer.concat([bin, Buffer.alloc(4)]));
  refused(/has \d+ bytes, the manifest describes \d+/);
  writeFileSync(weightsPath, bin);
  loadModel(dir).network.dispose();
});
