import { formatTable } from './format-table.js';
import { isMeasured, type RunOutcome } from './run-outcome.js';
import type { ScalingReport } from './model-check.js';
import type { SpeedRole } from './pipeline-matrix.js';
import { PIPELINE_TARGETS as T, type AdaptiveSection, type BrokerSection, type ParitySection, type SpeedSection } from './pipeline-sections.js';
import type { Prediction } from './scaling-model.js';

export interface PipelineTablesInput {
  readonly speedRuns: Readonly<Record<SpeedRole, RunOutcome>>;
  readonly speed: SpeedSection;
  readonly broker: BrokerSection;
  readonly parity: ParitySection;
  readonly adaptive: AdaptiveSection;
  readonly scaling: ScalingReport | null;
  readonly epochs: number;
  readonly accuracyEpochs: number;
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined ? '-' : value.toFixed(digits));
const percent = (value: number | null | undefined, digits = 2): string => fixed(value === null || value === undefined ? null : value * 100, digits);
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');

/** The pipeline suite's printout: five sections, each a table or a line. */
export function pipelineTables(input: PipelineTablesInput): string {
  return [speedTable(input), brokerLine(input.broker), parityTable(input), adaptiveLine(input.adaptive), ...modelTables(input.scaling)].join('\n\n');
}

function speedTable({ speedRuns, speed, epochs }: PipelineTablesInput): string {
  const rows = speed.rows.map((r) => {
    const run = speedRuns[r.role];
    const usage = isMeasured(run) ? run.usage : null;
    return [
      r.label, fixed(r.secondsPerEpoch, 1), fixed(r.vsPipelineSequential, 2), fixed(r.vsInProcess, 2),
      fixed(usage?.coresBusy, 2), percent(usage?.mainThreadBusy, 0), isMeasured(run) ? percent(run.accuracy) : `failed: ${run.error}`,
    ];
  });
  const table = formatTable(['run', 's/epoch', 'x vs pipeline seq', 'x vs in-process', 'cores busy', 'main thread %', 'accuracy %'], rows);
  const pairs = speed.meets.length > 0 ? `at or over ${T.speedUp}x: ${speed.meets.join('; ')}` : `no embedded 2-worker run reaches ${T.speedUp}x against either baseline`;
  return `1. speed-up (${epochs} epoch${epochs > 1 ? 's' : ''} each)\n${table}\ntarget >= ${T.speedUp}x embedded against the faster baseline: ${verdict(speed.met)}; ${pairs}`;
}

function brokerLine(b: BrokerSection): string {
  const ms = (s: number | null): string => fixed(s === null ? null : s * 1000, 1);
  return `2. broker overhead, single-layer x2: ${ms(b.amqpBatchSeconds)} ms/batch over RabbitMQ vs ${ms(b.embeddedBatchSeconds)} ms embedded = ${fixed(b.ratio, 3)} (<= ${T.brokerOverhead}): ${verdict(b.met)}`;
}

function adaptiveLine(a: AdaptiveSection): string {
  return `4. adaptive vs random negatives, single-layer x2 embedded: ${fixed(a.adaptiveSecondsPerEpoch, 1)} vs ${fixed(a.randomSecondsPerEpoch, 1)} s/epoch = ${fixed(a.ratio, 3)} (<= ${T.adaptiveRatio}): ${verdict(a.met)}`;
}

function parityTable({ parity, accuracyEpochs }: PipelineTablesInput): string {
  const rows = parity.rows.map((r) => [r.label, percent(r.accuracy), r.points === null ? '-' : `${r.points >= 0 ? '+' : ''}${r.points.toFixed(2)}`, r.within ? 'yes' : 'no']);
  const table = formatTable(['run', 'accuracy %', 'points vs sequential', `within ${T.accuracyPoints}`], rows);
  const reference = `${parity.reference.label}: ${percent(parity.reference.accuracy)} %`;
  return `3. accuracy parity (${accuracyEpochs} epochs, same seed; reference ${reference})\n${table}\ntarget within ${T.accuracyPoints} points: ${verdict(parity.met)}`;
}

function modelTables(scaling: ScalingReport | null): string[] {
  if (!scaling) return ['5. scaling model: not calibrated (the 1-worker pipeline run failed)'];
  const { inputs } = scaling;
  const calibration =
    `5. scaling model: ${(inputs.batchSeconds * 1000).toFixed(1)} ms/batch through ${inputs.layers.length} layers, ` +
    `RabbitMQ +${(inputs.brokerMessageSeconds * 1000).toFixed(2)} ms/message, sharing round ${(inputs.roundSeconds * 1000).toFixed(0)} ms`;
  const check = formatTable(
    ['measured run', 'epochs', 'role', 'measured s/epoch', 'predicted', 'error %'],
    scaling.check.map((c) => [c.label, c.epochs, c.role, c.measuredSecondsPerEpoch.toFixed(1), c.predictedSecondsPerEpoch.toFixed(1), percent(c.error, 1)]),
  );
  const cell = (p: Prediction): string => `${p.secondsPerEpoch.toFixed(1)} (${p.speedUp.toFixed(2)}x)`;
  const predictions = formatTable(
    ['workers', 'single-layer replicas', 'single-layer s/epoch', 'over RabbitMQ', 'all-layers', `all-layers share/${scaling.shareEvery}`],
    scaling.predictions.map((p) => [p.workers, p.singleLayer.replicas.join(','), cell(p.singleLayer), cell(p.singleLayerAmqp), cell(p.allLayers), cell(p.allLayersShared)]),
  );
  return [`${calibration}\n${check}`, `predicted (a core per worker)\n${predictions}`];
}
