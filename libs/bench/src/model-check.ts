import { isMeasured, type MeasuredRun, type RunOutcome } from './run-outcome.js';
import type { ParityRole, SpeedRole } from './pipeline-matrix.js';
import {
  fitBrokerMessageSeconds,
  fitRoundSeconds,
  messagesPerBatch,
  predictAllLayers,
  predictSingleLayer,
  SCALING_ASSUMPTIONS,
  type Prediction,
  type ScalingInputs,
} from './scaling-model.js';

export const MODEL_WORKERS = [1, 2, 4, 8, 16] as const;

/** A measured point next to the model: `calibration` and `fitted` points set its inputs, `prediction` points test it. */
export interface ModelCheckRow {
  readonly label: string;
  readonly epochs: number;
  readonly role: 'calibration' | 'fitted' | 'prediction';
  readonly measuredSecondsPerEpoch: number;
  readonly predictedSecondsPerEpoch: number;
  /** predicted / measured - 1. */
  readonly error: number;
}

export interface ModelPredictionRow {
  readonly workers: number;
  readonly singleLayer: Prediction;
  readonly singleLayerAmqp: Prediction;
  /** Sharing at the chapter end only. */
  readonly allLayers: Prediction;
  /** Sharing every `shareEvery` batches per replica. */
  readonly allLayersShared: Prediction;
}

export interface ScalingReport {
  readonly assumptions: readonly string[];
  readonly inputs: ScalingInputs;
  /** The runs the inputs come from. */
  readonly calibratedFrom: { readonly batchSeconds: string; readonly brokerMessageSeconds: string | null; readonly roundSeconds: string | null };
  readonly shareEvery: number;
  readonly check: ModelCheckRow[];
  readonly predictions: ModelPredictionRow[];
}

/**
 * Calibrates the scaling model on the measured runs (per-layer cost: the 1-worker
 * pipeline; broker cost per message: single-layer x2 over RabbitMQ against embedded;
 * sharing-round cost: the all-layers parity run), sets every measured pipelined run next
 * to its prediction, and predicts 1 to 16 workers. Null without the 1-worker run.
 */
export function scalingReport(
  speed: Readonly<Record<SpeedRole, RunOutcome>>,
  parity: Readonly<Record<ParityRole, RunOutcome>>,
  network: { readonly layers: readonly number[]; readonly inputSize: number },
  shareEvery: number,
): ScalingReport | null {
  const one = speed.sequential;
  if (!isMeasured(one)) return null;
  const base: ScalingInputs = { ...network, batchesPerEpoch: one.batchesPerEpoch, batchSeconds: one.secondsPerBatch, brokerMessageSeconds: 0, roundSeconds: 0 };
  const { singleLayer: embedded, singleLayerAmqp: amqp } = speed;
  let brokerFit: MeasuredRun | null = null;
  let brokerMessageSeconds = 0;
  if (isMeasured(embedded) && isMeasured(amqp)) {
    brokerFit = amqp;
    const plan = predictSingleLayer(base, amqp.workers, 'embedded', 0);
    const messages = messagesPerBatch(plan.bottleneck, plan.replicas.length);
    brokerMessageSeconds = fitBrokerMessageSeconds(embedded.secondsPerBatch, amqp.secondsPerBatch, messages);
  }
  const shared = parity.allLayers;
  const roundFit = isMeasured(shared) && shared.shareRounds !== null && shared.shareEvery > 0 ? shared : null;
  const roundSeconds = roundFit
    ? fitRoundSeconds(base, roundFit.workers, roundFit.secondsPerEpoch, ((roundFit.shareRounds ?? 0) - roundFit.chapters) / roundFit.epochs)
    : 0;
  const inputs: ScalingInputs = { ...base, brokerMessageSeconds, roundSeconds };
  const fitted = new Set([brokerFit?.key, roundFit?.key]);
  const measured = new Map([...Object.values(speed), ...Object.values(parity)].filter(isMeasured).map((r) => [r.key, r]));
  const check = [...measured.values()]
    .filter((r) => r.engine !== 'in-process' && r.neg === 'random')
    .map((r): ModelCheckRow => {
      const predicted = predictRun(inputs, r).secondsPerEpoch;
      const role = r.key === one.key ? 'calibration' : fitted.has(r.key) ? 'fitted' : 'prediction';
      return { label: r.label, epochs: r.epochs, role, measuredSecondsPerEpoch: r.secondsPerEpoch, predictedSecondsPerEpoch: predicted, error: predicted / r.secondsPerEpoch - 1 };
    });
  const predictions = MODEL_WORKERS.map((workers) => ({
    workers,
    singleLayer: predictSingleLayer(inputs, workers, 'embedded', shareEvery),
    singleLayerAmqp: predictSingleLayer(inputs, workers, 'amqp', shareEvery),
    allLayers: predictAllLayers(inputs, workers, 'embedded', 0),
    allLayersShared: predictAllLayers(inputs, workers, 'embedded', shareEvery),
  }));
  const calibratedFrom = { batchSeconds: one.label, brokerMessageSeconds: brokerFit?.label ?? null, roundSeconds: roundFit?.label ?? null };
  return { assumptions: SCALING_ASSUMPTIONS, inputs, calibratedFrom, shareEvery, check, predictions };
}

/** The model's prediction for a measured run's variant, workers, broker and sharing cadence. */
export function predictRun(inputs: ScalingInputs, run: Pick<MeasuredRun, 'variant' | 'workers' | 'engine' | 'shareEvery'>): Prediction {
  const transport = run.engine === 'amqp' ? 'amqp' : 'embedded';
  return run.variant === 'sequential' || run.variant === 'single-layer'
    ? predictSingleLayer(inputs, run.workers, transport, run.shareEvery)
    : predictAllLayers(inputs, run.workers, transport, run.shareEvery);
}
