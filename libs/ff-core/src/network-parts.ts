import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import { FFLayer } from './ff-layer.js';
import { LABEL_SLOTS } from './labels.js';
import { LocalSoftmaxLayer } from './local-softmax-layer.js';
import type { NetworkConfig } from './network.js';
import { SoftmaxHead } from './softmax-head.js';

/*
 * The parts of a network, built one at a time, so that a pipeline stage holding layers
 * i..j builds exactly what the whole network holds there (same initialisation for the
 * same seed, same weight names).
 */

export function inputSizeOf(config: NetworkConfig, i: number): number {
  return i === 0 ? config.inputSize : config.layers[i - 1]!;
}

export function createFFLayer(config: NetworkConfig, i: number, rng: Rng): FFLayer {
  const outputSize = config.layers[i]!;
  return new FFLayer(
    {
      ...config,
      inputSize: inputSizeOf(config, i),
      outputSize,
      threshold: config.goodness === 'sum' ? config.threshold * outputSize : config.threshold,
    },
    rng.fork(i),
  );
}

export function createLocalLayer(config: NetworkConfig, i: number, rng: Rng): LocalSoftmaxLayer {
  return new LocalSoftmaxLayer(
    { inputSize: inputSizeOf(config, i), outputSize: config.layers[i]!, norm: config.norm, optimizer: config.optimizer },
    rng.fork(i),
  );
}

export function hasSoftmaxHead(config: NetworkConfig): boolean {
  return config.objective === 'ff' && config.classifier === 'softmax';
}

export function createHead(config: NetworkConfig, rng: Rng): SoftmaxHead {
  return new SoftmaxHead(headFeatureSizeOf(config), LABEL_SLOTS, config.optimizer, rng.fork(1000));
}

/**
 * The layers whose activity classifies: all but the first, as in Hinton's paper (the
 * first layer's activity mostly encodes the label it was given), unless there is only one.
 */
export function readingLayersOf(config: NetworkConfig): number[] {
  const count = config.layers.length;
  return count === 1 ? [0] : Array.from({ length: count - 1 }, (_, i) => i + 1);
}

export function headFeatureSizeOf(config: NetworkConfig): number {
  return readingLayersOf(config).reduce((sum, i) => sum + config.layers[i]!, 0);
}

export function ffLayerWeights(i: number, layer: FFLayer): Array<[string, tf.Variable]> {
  return [
    [`layer${i}/weights`, layer.weights],
    [`layer${i}/bias`, layer.bias],
  ];
}

export function localLayerWeights(i: number, layer: LocalSoftmaxLayer): Array<[string, tf.Variable]> {
  return [
    [`layer${i}/weights`, layer.weights],
    [`layer${i}/bias`, layer.bias],
    [`layer${i}/classifier/weights`, layer.classifierWeights],
    [`layer${i}/classifier/bias`, layer.classifierBias],
  ];
}

export function headWeights(head: SoftmaxHead): Array<[string, tf.Variable]> {
  return [
    ['head/weights', head.weights],
    ['head/bias', head.bias],
  ];
}
