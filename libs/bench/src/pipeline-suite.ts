import { loadavg } from 'node:os';
import { limitDataset, type DatasetPair } from '@pff/datasets';
import { STANDARD_SPEC } from './standard-spec.js';
import { measureRun } from './measure-run.js';
import { isMeasured, type RunOutcome } from './run-outcome.js';
import { scalingReport } from './model-check.js';
import { pipelineMatrix, type BenchRun, type PipelineBenchOptions } from './pipeline-matrix.js';
import { adaptiveSection, brokerSection, paritySection, PIPELINE_TARGETS, speedSection } from './pipeline-sections.js';
import { pipelineTables } from './pipeline-tables.js';
import { redactUrl } from './redact-url.js';

export interface PipelineSuiteOutput {
  readonly body: Record<string, unknown>;
  readonly table: string;
  /** Targets 1 to 4 all met (the model has none). */
  readonly pass: boolean;
}

/**
 * The pipeline suite: trains every run of the matrix once (runs the speed and parity
 * sections share are measured once), one after another so that each has the machine,
 * then compares them and calibrates the scaling model.
 */
export async function measurePipeline(data: DatasetPair, options: PipelineBenchOptions, log: (line: string) => void): Promise<PipelineSuiteOutput> {
  const limited: DatasetPair = { train: limitDataset(data.train, options.trainLimit), test: data.test };
  const matrix = pipelineMatrix(options);
  const planned = [...Object.values(matrix.speed), ...Object.values(matrix.parity)];
  const unique = [...new Map(planned.map((run) => [run.key, run])).values()];
  const outcomes = new Map<string, RunOutcome & { loadAverageBefore: number }>();
  for (const [i, run] of unique.entries()) {
    log(`bench pipeline ${i + 1}/${unique.length}: ${run.label}, ${run.spec.epochs} epoch(s) of ${limited.train.count} samples`);
    const loadAverageBefore = loadavg()[0] ?? 0;
    const outcome = await measureRun(run, limited, options, log);
    log(isMeasured(outcome) ? `  ${outcome.secondsPerEpoch.toFixed(1)} s/epoch, ${(outcome.accuracy * 100).toFixed(2)} %` : `  failed: ${outcome.error}`);
    outcomes.set(run.key, { ...outcome, loadAverageBefore });
  }
  const speedRuns = byRole(matrix.speed, outcomes);
  const parityRuns = byRole(matrix.parity, outcomes);
  const speed = speedSection(speedRuns);
  const broker = brokerSection(speedRuns.singleLayer, speedRuns.singleLayerAmqp);
  const parity = paritySection(parityRuns);
  const adaptive = adaptiveSection(speedRuns.singleLayer, speedRuns.adaptive);
  const network = { layers: STANDARD_SPEC.layers, inputSize: limited.train.inputSize };
  const scaling = scalingReport(speedRuns, parityRuns, network, options.shareEvery);
  const table = pipelineTables({ speedRuns, speed, broker, parity, adaptive, scaling, epochs: options.epochs, accuracyEpochs: options.accuracyEpochs });
  const body = {
    config: { ...STANDARD_SPEC, trainSamples: limited.train.count, testSamples: limited.test.count },
    options: { ...options, brokerUrl: redactUrl(options.brokerUrl) },
    targets: {
      speedUp: `>= ${PIPELINE_TARGETS.speedUp}x, embedded broker, 2 workers, against the faster sequential baseline`,
      brokerOverhead: `RabbitMQ / embedded time per batch <= ${PIPELINE_TARGETS.brokerOverhead}, single-layer x2`,
      accuracyPoints: `every pipelined variant within ${PIPELINE_TARGETS.accuracyPoints} points of the in-process sequential run`,
      adaptiveRatio: `adaptive / random time per epoch <= ${PIPELINE_TARGETS.adaptiveRatio}, single-layer x2 embedded`,
    },
    speed,
    broker,
    parity,
    adaptive,
    scaling,
    runs: unique.map(({ key, spec }) => ({ ...outcomes.get(key)!, spec })),
  };
  return { body, table, pass: speed.met && broker.met && parity.met && adaptive.met };
}

function byRole<R extends string>(roles: Readonly<Record<R, BenchRun>>, outcomes: ReadonlyMap<string, RunOutcome>): Record<R, RunOutcome> {
  const out = {} as Record<R, RunOutcome>;
  for (const role of Object.keys(roles) as R[]) out[role] = outcomes.get(roles[role].key)!;
  return out;
}
