import type { EpochRecord, RunSpec, TrainSummary } from '@pff/contracts';
import { batchesOf, type DatasetPair } from '@pff/datasets';
import { FFNetwork, learningRateAt } from '@pff/ff-core';
import { createRng } from '@pff/random';
import { epochOrder } from './epoch-order.js';
import { trainHeadBatch } from './head-batch.js';
import { trainLayerBatch, type LayerInput, type LayerOutput } from './layer-batch.js';
import { accuracyOf, scoreDataset } from './evaluate.js';
import { createNegativeLabels } from './negatives.js';
import { networkConfigOf } from './network-config.js';
import { summarise } from './summary.js';
import type { ProgressListener } from './progress.js';

export interface SequentialTrainerDeps {
  readonly spec: RunSpec;
  readonly data: DatasetPair;
  /** Milliseconds, monotonic. */
  readonly clock?: () => number;
  readonly onProgress?: ProgressListener;
  /** Called after every chapter with its record (accuracy set when it was evaluated). */
  readonly onChapter?: (record: EpochRecord) => void;
  readonly signal?: AbortSignal;
}

export interface TrainOutcome {
  readonly summary: TrainSummary;
  /** The trained network; the caller disposes it. */
  readonly network: FFNetwork;
}

/**
 * The N = 1 baseline in the paper's schedule: E epochs cut into S chapters; each
 * chapter trains layer 1 for E/S epochs, then layer 2 on layer 1's output, and so on,
 * then the softmax head. A layer passes on the activations it computed while training
 * its chapter's last epoch (before each batch's update), exactly what a pipeline stage
 * publishes, so pipelined variants compute the same function of the same data.
 * Deterministic for a seed.
 */
export async function trainSequential(deps: SequentialTrainerDeps): Promise<TrainOutcome> {
  const { spec, data } = deps;
  const clock = deps.clock ?? (() => performance.now());
  const { train } = data;
  const rng = createRng(spec.seed);
  const network = new FFNetwork(networkConfigOf(spec, train.inputSize, train.maxValue), rng.fork(1));
  const negatives = createNegativeLabels(spec.neg, train.labels, train.classes, rng.fork(2), spec.adaptiveSampling);
  const epochsPerChapter = spec.epochs / spec.chapters;
  const batchesPerEpoch = Math.ceil(train.count / spec.batch);
  const hasHead = network.head !== null;
  const stepsPerChapter = epochsPerChapter * batchesPerEpoch * (spec.layers.length + (hasHead ? 1 : 0));
  const totalSteps = stepsPerChapter * spec.chapters;
  const history: EpochRecord[] = [];
  let trainMs = 0;
  let evalMs = 0;
  let step = 0;
  let trainScores: Float32Array | null = null;
  // What each layer passes on, per sample; every chapter overwrites every row, so the
  // buffers are allocated once.
  const outputs: LayerOutput[] = [];

  const report = (phase: 'train' | 'head', chapter: number, layer: number, loss: number): void => {
    step++;
    const epoch = (step / totalSteps) * spec.epochs;
    const elapsed = (trainMs + (clock() - chapterStart)) / 1000;
    deps.onProgress?.({
      phase, chapter, chapters: spec.chapters, epoch, epochs: spec.epochs, layer, layers: spec.layers.length,
      step, totalSteps, loss, samplesPerSecond: elapsed > 0 ? (epoch * train.count) / elapsed : 0,
    });
  };
  let chapterStart = clock();

  for (let chapter = 1; chapter <= spec.chapters; chapter++) {
    chapterStart = clock();
    const negativeLabels = spec.objective === 'ff' ? negatives.forChapter(trainScores) : null;
    const firstEpoch = (chapter - 1) * epochsPerChapter;
    // Every layer and the head see epoch e's batches in the same order, the order the
    // pipeline's scheduler sends them in (epochOrder), so with one epoch per chapter the
    // pipelined variants train exactly this function.
    const batchesOfEpoch = (e: number): Uint32Array[] => batchesOf(epochOrder(train.count, rng, firstEpoch + e + 1), spec.batch);
    const lrAt = (base: number, e: number, b: number): number =>
      learningRateAt(base, firstEpoch + e + b / batchesPerEpoch, spec.epochs, spec.coolDown);
    let input: LayerInput = { positive: null, negative: null, neutral: null, width: train.inputSize };
    const features: Float32Array[] = [];
    const layerLoss: number[] = [];
    const goodnessPositive: number[] = [];
    const goodnessNegative: number[] = [];

    for (let k = 0; k < spec.layers.length; k++) {
      const width = spec.layers[k]!;
      const last = epochsPerChapter - 1;
      const output = (outputs[k] ??= {
        positive: new Float32Array(train.count * width),
        negative: spec.objective === 'ff' ? new Float32Array(train.count * width) : null,
        neutral: hasHead ? new Float32Array(train.count * width) : null,
      });
      const sums = { loss: 0, goodnessPositive: 0, goodnessNegative: 0, count: 0 };
      for (let e = 0; e < epochsPerChapter; e++) {
        const batches = batchesOfEpoch(e);
        for (let b = 0; b < batches.length; b++) {
          deps.signal?.throwIfAborted();
          const indices = batches[b]!;
          const lr = lrAt(spec.learningRate, e, b);
          const stats = trainLayerBatch(network, k, train, input, indices, negativeLabels, lr, e === last ? output : null);
          if (e === last) {
            sums.loss += stats.loss;
            sums.goodnessPositive += stats.goodnessPositive;
            sums.goodnessNegative += stats.goodnessNegative;
            sums.count++;
          }
          report('train', chapter, k, sums.count > 0 ? sums.loss / sums.count : stats.loss);
          if (b % 8 === 0) await yieldToEventLoop();
        }
      }
      layerLoss.push(sums.loss / sums.count);
      goodnessPositive.push(sums.goodnessPositive / sums.count);
      goodnessNegative.push(sums.goodnessNegative / sums.count);
      if (output.neutral && network.readingLayers().includes(k)) features.push(output.neutral);
      input = {
        positive: output.positive,
        negative: output.negative,
        neutral: output.neutral,
        width,
      };
    }

    let headLoss: number | undefined;
    if (network.head) {
      const scores = spec.neg === 'adaptive' ? new Float32Array(train.count * train.classes) : null;
      let lastEpochLoss = 0;
      for (let e = 0; e < epochsPerChapter; e++) {
        const batches = batchesOfEpoch(e);
        for (let b = 0; b < batches.length; b++) {
          deps.signal?.throwIfAborted();
          const isLast = e === epochsPerChapter - 1;
          const loss = trainHeadBatch(network, train, features, batches[b]!, lrAt(spec.headLearningRate, e, b), isLast ? scores : null);
          if (isLast) lastEpochLoss += loss / batches.length;
          report('head', chapter, -1, loss);
          if (b % 8 === 0) await yieldToEventLoop();
        }
      }
      trainScores = scores;
      headLoss = lastEpochLoss;
    } else if (spec.neg === 'adaptive' && spec.objective === 'ff' && chapter < spec.chapters) {
      // Goodness classifier: adaptive negatives need the network's scores on the training
      // set, a 10-label pass that is part of training (the Softmax head's come free).
      trainScores = scoreDataset(network, train);
    }
    trainMs += clock() - chapterStart;

    const epoch = chapter * epochsPerChapter;
    const record: EpochRecord = {
      epoch,
      chapter,
      loss: layerLoss.reduce((a, b) => a + b, 0) / layerLoss.length,
      layerLoss,
      goodnessPositive,
      goodnessNegative,
      ...(headLoss === undefined ? {} : { headLoss }),
      seconds: (clock() - chapterStart) / 1000,
    };
    const evalStart = clock();
    if (spec.evalEvery > 0 && epoch % spec.evalEvery === 0 && chapter < spec.chapters) {
      record.accuracy = accuracyOf(scoreDataset(network, data.test), data.test.labels, data.test.classes);
    }
    evalMs += clock() - evalStart;
    history.push(record);
    if (chapter < spec.chapters) deps.onChapter?.(record);
  }

  const evalStart = clock();
  const accuracy = accuracyOf(scoreDataset(network, data.test), data.test.labels, data.test.classes);
  evalMs += clock() - evalStart;
  const lastRecord = history[history.length - 1];
  if (lastRecord) {
    lastRecord.accuracy = accuracy;
    deps.onChapter?.(lastRecord);
  }

  return {
    network,
    summary: summarise(spec, data, { accuracy, trainSeconds: trainMs / 1000, evalSeconds: evalMs / 1000 }, history),
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

