import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PIPELINE_BENCH, describeRun, pipelineMatrix } from '../src/pipeline-matrix.js';
import { redactUrl } from '../src/redact-url.js';

const uniqueKeys = (m: ReturnType<typeof pipelineMatrix>): number => new Set([...Object.values(m.speed), ...Object.values(m.parity)].map((r) => r.key)).size;

test('the matrix: the standard config in every run, speed and parity epochs apart', () => {
  const m = pipelineMatrix(DEFAULT_PIPELINE_BENCH);
  assert.equal(uniqueKeys(m), 11, '6 speed runs and 5 parity runs');
  for (const run of [...Object.values(m.speed), ...Object.values(m.parity)]) {
    assert.deepEqual([...run.spec.layers], [500, 500, 500, 500], `${run.label}: 4x500`);
    assert.equal(run.spec.batch, 64, `${run.label}: batch 64`);
    assert.equal(run.spec.classifier, 'softmax', `${run.label}: Softmax`);
  }
  assert.equal(m.speed.singleLayer.spec.epochs, 1, 'speed runs: 1 epoch');
  assert.equal(m.parity.singleLayer.spec.epochs, 2, 'parity runs: 2 epochs');
  assert.equal(m.speed.allLayers.spec.shareEvery, 0, 'speed all-layers shares at the chapter end');
  assert.equal(m.parity.federated.spec.shareEvery, 16, 'parity data-parallel runs share every 16');
  assert.equal(m.speed.adaptive.spec.neg, 'adaptive', 'the adaptive run');
  assert.equal(m.speed.singleLayerAmqp.engine, 'amqp', 'the broker run');
  assert.equal(m.speed.singleLayerAmqp.label, 'single-layer x2 amqp', 'its label');
  assert.equal(m.parity.allLayers.label, 'all-layers x2 share/16 embedded', 'a sharing run label');
});

test('equal speed and parity epochs measure the shared runs once', () => {
  const m = pipelineMatrix({ ...DEFAULT_PIPELINE_BENCH, accuracyEpochs: 1 });
  assert.equal(uniqueKeys(m), 8, 'in-process, pipeline sequential and single-layer are shared');
  assert.equal(m.speed.singleLayer.key, m.parity.singleLayer.key, 'same run, same key');
  assert.notEqual(m.speed.singleLayer.key, m.speed.singleLayerAmqp.key, 'another broker, another run');
});

test('labels and redaction', () => {
  assert.equal(describeRun('in-process', { variant: 'sequential', workers: 1, shareEvery: 0, neg: 'random' }), 'sequential in-process', 'the in-process baseline');
  assert.equal(describeRun('embedded', { variant: 'all-layers', workers: 4, shareEvery: 8, neg: 'fixed' }), 'all-layers x4 share/8 fixed embedded', 'every detail');
  assert.equal(redactUrl('amqp://guest:guest@127.0.0.1:5672'), 'amqp://***@127.0.0.1:5672', 'credentials removed');
  assert.equal(redactUrl('amqp://127.0.0.1'), 'amqp://127.0.0.1', 'nothing to remove');
});
