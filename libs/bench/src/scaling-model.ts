import { parseRunSpec } from '@pff/contracts';
import { planPipeline } from '@pff/scheduler';

export type ModelTransport = 'embedded' | 'amqp';

/** What the model is calibrated with (times in seconds). */
export interface ScalingInputs {
  /** Hidden layer widths. */
  readonly layers: readonly number[];
  readonly inputSize: number;
  readonly batchesPerEpoch: number;
  /** The 1-worker pipeline (sequential variant, embedded broker): a batch through every layer. */
  readonly batchSeconds: number;
  /** What RabbitMQ adds over the embedded broker to every message a worker handles. */
  readonly brokerMessageSeconds: number;
  /** What one sharing round of the whole network's weights costs every replica. */
  readonly roundSeconds: number;
}

export interface Prediction {
  readonly workers: number;
  readonly secondsPerEpoch: number;
  /** Against the 1-worker pipeline. */
  readonly speedUp: number;
  /** Replicas of each stage (one entry per stage). */
  readonly replicas: readonly number[];
  /** The stage that bounds the epoch. */
  readonly bottleneck: number;
}

/** The model's assumptions, as the JSON output and the README state them. */
export const SCALING_ASSUMPTIONS: readonly string[] = [
  'A batch costs each layer time in proportion to its weights (inputs x units): the matMuls dominate an FF step. The per-layer times split the 1-worker pipeline run (sequential variant, embedded broker), whose time per batch also holds its message handling, labelling and Softmax head.',
  'Every worker has a core of its own, and the scheduler and the broker are never the bottleneck (on the 2-core bench machine the 2-worker runs share the cores with the scheduler thread, which also hosts the embedded broker).',
  'Single-layer: min(workers, layers) stages partitioned by weights as planPipeline does; extra workers replicate the costliest stage; an epoch takes as long as the slowest stage (batches x stage time / replicas); filling and draining the pipeline are ignored.',
  'Embedded broker: passing a batch on costs nothing beyond what the 1-worker run already holds. RabbitMQ: each message a worker handles per batch (the batch it consumes, its claim, its trained report, the batch it passes on) adds the same time, fitted from single-layer x2 over RabbitMQ against the embedded broker.',
  'Data-parallel (all-layers, federated, replicated stages): compute / replicas, plus a sharing round every shareEvery batches per replica (with shareEvery 0 only the chapter end, which the 1-worker run also has); a round costs every replica the same time whatever their number, in proportion to the stage\'s share of the weights, fitted from the all-layers x2 parity run.',
  'Learning is not modelled: the accuracy parity is measured for 2 workers only.',
];

/** Weights of each layer (inputs x units): the cost measure planPipeline partitions by. */
export function layerWeights(layers: readonly number[], inputSize: number): number[] {
  return layers.map((width, i) => width * (i === 0 ? inputSize : layers[i - 1]!));
}

/** Each layer's share of the 1-worker time per batch. */
export function layerSeconds(inputs: ScalingInputs): number[] {
  const weights = layerWeights(inputs.layers, inputs.inputSize);
  const total = sum(weights);
  return weights.map((w) => (inputs.batchSeconds * w) / total);
}

/**
 * Messages a stage's replica handles per batch: the batch it consumes, its claim
 * broadcast, its `trained` report, and (all but the last stage) the batch it passes on.
 */
export function messagesPerBatch(stage: number, stages: number): number {
  return stage < stages - 1 ? 4 : 3;
}

/**
 * Mid-epoch sharing rounds of a stage per epoch: one every `shareEvery` batches per
 * replica (a fraction: the rate, not a count); none for a lone replica.
 */
export function sharingRounds(batchesPerEpoch: number, shareEvery: number, replicas: number): number {
  return replicas < 2 || shareEvery === 0 ? 0 : batchesPerEpoch / (shareEvery * replicas);
}

/** Single-layer: the pipeline is as fast as its slowest stage. */
export function predictSingleLayer(inputs: ScalingInputs, workers: number, transport: ModelTransport, shareEvery: number): Prediction {
  const plan = planPipeline(parseRunSpec({ layers: [...inputs.layers], variant: 'single-layer', workers }), inputs.inputSize);
  const seconds = layerSeconds(inputs);
  const weights = layerWeights(inputs.layers, inputs.inputSize);
  const stageEpochs = plan.stages.map(({ first, last }, s) => {
    const replicas = plan.replicas[s]!;
    const compute = sum(seconds.slice(first, last + 1));
    const messages = transport === 'amqp' ? messagesPerBatch(s, plan.stages.length) * inputs.brokerMessageSeconds : 0;
    const weightShare = sum(weights.slice(first, last + 1)) / sum(weights);
    const rounds = sharingRounds(inputs.batchesPerEpoch, shareEvery, replicas);
    return (inputs.batchesPerEpoch * (compute + messages)) / replicas + rounds * inputs.roundSeconds * weightShare;
  });
  const secondsPerEpoch = Math.max(...stageEpochs);
  return prediction(inputs, workers, secondsPerEpoch, plan.replicas, stageEpochs.indexOf(secondsPerEpoch));
}

/** All-layers (and federated): every replica trains every layer on its part of the batches. */
export function predictAllLayers(inputs: ScalingInputs, workers: number, transport: ModelTransport, shareEvery: number): Prediction {
  const messages = transport === 'amqp' ? messagesPerBatch(0, 1) * inputs.brokerMessageSeconds : 0;
  const compute = (inputs.batchesPerEpoch * (inputs.batchSeconds + messages)) / workers;
  const secondsPerEpoch = compute + sharingRounds(inputs.batchesPerEpoch, shareEvery, workers) * inputs.roundSeconds;
  return prediction(inputs, workers, secondsPerEpoch, [workers], 0);
}

/** RabbitMQ's time per message, from the same plan's time per batch over both brokers. */
export function fitBrokerMessageSeconds(embeddedBatchSeconds: number, brokerBatchSeconds: number, messages: number): number {
  return Math.max(0, (brokerBatchSeconds - embeddedBatchSeconds) / messages);
}

/** A sharing round's cost, from a data-parallel run: its epoch beyond compute / workers, per mid-epoch round. */
export function fitRoundSeconds(inputs: ScalingInputs, workers: number, measuredSecondsPerEpoch: number, roundsPerEpoch: number): number {
  if (roundsPerEpoch <= 0) return 0;
  const compute = (inputs.batchesPerEpoch * inputs.batchSeconds) / workers;
  return Math.max(0, (measuredSecondsPerEpoch - compute) / roundsPerEpoch);
}

function prediction(inputs: ScalingInputs, workers: number, secondsPerEpoch: number, replicas: readonly number[], bottleneck: number): Prediction {
  const speedUp = (inputs.batchesPerEpoch * inputs.batchSeconds) / secondsPerEpoch;
  return { workers, secondsPerEpoch, speedUp, replicas: [...replicas], bottleneck };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
