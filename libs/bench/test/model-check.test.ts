import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scalingReport } from '../src/model-check.js';
import { sharingRounds } from '../src/scaling-model.js';
import { failedRun, fakeRun } from './fake-runs.js';

const network = { layers: [500, 500, 500, 500], inputSize: 784 };
// 1 worker: 100 batches of 114.2 ms. Stage 0 of single-layer x2 holds 642/1142 of that.
const speed = {
  inProcess: fakeRun('in-process', 10, { engine: 'in-process' }),
  sequential: fakeRun('pipeline-seq', 11.42),
  singleLayer: fakeRun('sl2', 7, { variant: 'single-layer', workers: 2 }),
  allLayers: fakeRun('al2', 6, { variant: 'all-layers', workers: 2 }),
  singleLayerAmqp: fakeRun('sl2-amqp', 7.4, { variant: 'single-layer', workers: 2, engine: 'amqp' }),
  adaptive: fakeRun('adaptive', 7.2, { variant: 'single-layer', workers: 2, neg: 'adaptive' }),
};
const rounds = sharingRounds(100, 16, 2);
const parity = {
  inProcess: fakeRun('in-process-2', 10, { engine: 'in-process', epochs: 2 }),
  sequential: fakeRun('pipeline-seq-2', 11.5, { epochs: 2 }),
  singleLayer: fakeRun('sl2-2', 7, { variant: 'single-layer', workers: 2, epochs: 2 }),
  // 2 chapter-end rounds plus the mid-epoch ones, each costing 0.3 s.
  allLayers: fakeRun('al2-16', 5.71 + rounds * 0.3, { variant: 'all-layers', workers: 2, epochs: 2, shareEvery: 16, shareRounds: 2 + 2 * rounds }),
  federated: fakeRun('fed2-16', 6.5, { variant: 'federated', workers: 2, epochs: 2, shareEvery: 16 }),
};

test('the model is calibrated on the named runs and set against every measured pipelined run', () => {
  const report = scalingReport(speed, parity, network, 16)!;
  assert.ok(report, 'a report with the 1-worker run measured');
  assert.equal(report.inputs.batchSeconds, 0.1142, 'per-batch time of the 1-worker pipeline');
  // RabbitMQ: +4 ms per batch on stage 0, which handles 4 messages a batch.
  assert.ok(Math.abs(report.inputs.brokerMessageSeconds - 0.001) < 1e-12, `broker per message ${report.inputs.brokerMessageSeconds}`);
  assert.ok(Math.abs(report.inputs.roundSeconds - 0.3) < 1e-9, `sharing round ${report.inputs.roundSeconds}`);
  assert.deepEqual(report.calibratedFrom, { batchSeconds: 'pipeline-seq', brokerMessageSeconds: 'sl2-amqp', roundSeconds: 'al2-16' }, 'where the inputs come from');
  const roles = Object.fromEntries(report.check.map((c) => [c.label, c.role]));
  assert.deepEqual(
    roles,
    { 'pipeline-seq': 'calibration', sl2: 'prediction', al2: 'prediction', 'sl2-amqp': 'fitted', 'pipeline-seq-2': 'prediction', 'sl2-2': 'prediction', 'al2-16': 'fitted', 'fed2-16': 'prediction' },
    'in-process and adaptive runs are not modelled',
  );
  for (const label of ['pipeline-seq', 'al2-16']) {
    const c = report.check.find((r) => r.label === label)!;
    assert.ok(Math.abs(c.error) < 1e-9, `${label} reproduces its measurement: ${c.error}`);
  }
  // The broker fit is a difference: the RabbitMQ point is off by as much as the embedded one.
  const amqp = report.check.find((c) => c.label === 'sl2-amqp')!;
  assert.ok(Math.abs(amqp.predictedSecondsPerEpoch - (100 * 0.0642 + 0.4)) < 1e-9, `single-layer x2 amqp predicted ${amqp.predictedSecondsPerEpoch}`);
  const al2 = report.check.find((c) => c.label === 'al2')!;
  assert.ok(Math.abs(al2.predictedSecondsPerEpoch - 5.71) < 1e-9 && Math.abs(al2.error - (5.71 / 6 - 1)) < 1e-9, `all-layers x2 predicted ${al2.predictedSecondsPerEpoch}`);
  assert.deepEqual(report.predictions.map((p) => p.workers), [1, 2, 4, 8, 16], 'predictions from 1 to 16 workers');
  assert.ok(Math.abs(report.predictions[0]!.singleLayer.speedUp - 1) < 1e-12, 'one worker is the unit');
});

test('without the broker or the sharing run their costs are 0; without the 1-worker run there is no model', () => {
  const report = scalingReport({ ...speed, singleLayerAmqp: failedRun('sl2-amqp') }, { ...parity, allLayers: failedRun('al2-16') }, network, 16)!;
  assert.equal(report.inputs.brokerMessageSeconds, 0, 'no broker fit');
  assert.equal(report.inputs.roundSeconds, 0, 'no round fit');
  assert.equal(report.calibratedFrom.brokerMessageSeconds, null, 'named as missing');
  assert.equal(scalingReport({ ...speed, sequential: failedRun('pipeline-seq') }, parity, network, 16), null, 'nothing to calibrate on');
});
