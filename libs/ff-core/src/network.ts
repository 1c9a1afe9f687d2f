import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@pff/random';
import type { FFLayer } from './ff-layer.js';
import { goodness, type GoodnessKind } from './goodness.js';
import { embedLabels, LABEL_SLOTS, NEUTRAL_LABEL_VALUE } from './labels.js';
import type { LocalSoftmaxLayer } from './local-softmax-layer.js';
import {
  createFFLayer,
  createHead,
  createLocalLayer,
  ffLayerWeights,
  hasSoftmaxHead,
  headFeatureSizeOf,
  headWeights,
  localLayerWeights,
  readingLayersOf,
} from './network-parts.js';
import { normalize, type NormKind } from './normalize.js';
import type { OptimizerOptions } from './optimizer.js';
import type { SoftmaxHead } from './softmax-head.js';

export interface NetworkConfig {
  readonly inputSize: number;
  readonly layers: readonly number[];
  readonly objective: 'ff' | 'local-softmax';
  readonly classifier: 'goodness' | 'softmax';
  /** Local-softmax readout: the last layer's classifier, or all layers' summed. */
  readonly readout: 'last' | 'all';
  readonly norm: NormKind;
  readonly goodness: GoodnessKind;
  /**
   * Threshold per unit: a layer of n units compares its goodness with `threshold` for
   * the mean goodness and with `threshold * n` for the sum (Hinton's code: n), so one
   * value suits every width.
   */
  readonly threshold: number;
  readonly peerNormalization: number;
  readonly optimizer: OptimizerOptions;
  /** Height of the one-hot label: the data's maximum value. */
  readonly labelScale: number;
}

/**
 * A whole FF network: its layers (FF or local-softmax) and, for the FF objective with
 * the Softmax classifier, the linear head. It owns every variable it creates.
 */
export class FFNetwork {
  readonly ffLayers: readonly FFLayer[];
  readonly localLayers: readonly LocalSoftmaxLayer[];
  readonly head: SoftmaxHead | null;

  constructor(
    readonly config: NetworkConfig,
    rng: Rng,
  ) {
    const all = config.layers.map((_, i) => i);
    this.ffLayers = config.objective === 'ff' ? all.map((i) => createFFLayer(config, i, rng)) : [];
    this.localLayers = config.objective === 'local-softmax' ? all.map((i) => createLocalLayer(config, i, rng)) : [];
    this.head = hasSoftmaxHead(config) ? createHead(config, rng) : null;
  }

  /** The layers whose activity classifies (see `readingLayersOf`). */
  readingLayers(): number[] {
    return readingLayersOf(this.config);
  }

  headFeatureSize(): number {
    return headFeatureSizeOf(this.config);
  }

  /** Concatenates the normalised outputs of the reading layers into head features. */
  headFeatures(layerOutputs: readonly tf.Tensor2D[]): tf.Tensor2D {
    return tf.tidy(() => tf.concat(this.readingLayers().map((i) => layerOutputs[i]!), 1));
  }

  /** Normalised outputs of every layer for a batch, with whatever label `x` carries. */
  layerOutputs(x: tf.Tensor2D): tf.Tensor2D[] {
    const outputs: tf.Tensor2D[] = [];
    let input = x;
    for (const layer of this.ffLayers.length > 0 ? this.ffLayers : this.localLayers) {
      input = layer.forward(input);
      outputs.push(input);
    }
    return outputs;
  }

  /**
   * Class scores for a batch of inputs (label slots are overwritten); argmax is the
   * prediction. Goodness: goodness summed over the reading layers for each of the 10
   * labels. Softmax: head logits on a neutral-label pass. Local-softmax: the last
   * layer's log-probabilities, or their sum over all layers.
   */
  scores(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.config.objective === 'local-softmax') return this.localScores(this.withNeutralLabel(x));
      if (this.head) {
        const outputs = this.layerOutputs(this.withNeutralLabel(x));
        return this.head.logits(this.headFeatures(outputs));
      }
      return this.goodnessScores(x);
    });
  }

  withNeutralLabel(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() =>
      tf.concat([tf.fill([x.shape[0], LABEL_SLOTS], NEUTRAL_LABEL_VALUE), tf.slice(x, [0, LABEL_SLOTS], [-1, -1])], 1),
    );
  }

  private goodnessScores(x: tf.Tensor2D): tf.Tensor2D {
    const rows = x.shape[0];
    // All ten labelled copies in one batch: rows [l*B, (l+1)*B) carry label l.
    const labels = tf.tensor1d(
      Int32Array.from({ length: rows * LABEL_SLOTS }, (_, i) => Math.floor(i / rows)),
      'int32',
    );
    let input = embedLabels(tf.tile(x, [LABEL_SLOTS, 1]) as tf.Tensor2D, labels, this.config.labelScale);
    const reading = new Set(this.readingLayers());
    let total: tf.Tensor1D = tf.zeros([rows * LABEL_SLOTS]);
    this.ffLayers.forEach((layer, i) => {
      const h = layer.activations(input);
      if (reading.has(i)) total = tf.add(total, goodness(h, this.config.goodness));
      input = normalize(h, this.config.norm);
    });
    // [10*B] -> [10, B] -> [B, 10]
    return tf.transpose(tf.reshape(total, [LABEL_SLOTS, rows]));
  }

  private localScores(x: tf.Tensor2D): tf.Tensor2D {
    let input = x;
    const perLayer: tf.Tensor2D[] = [];
    for (const layer of this.localLayers) {
      // One forward per layer feeds both its classifier and the next layer.
      const h = layer.activations(input);
      perLayer.push(tf.logSoftmax(layer.logits(h)));
      input = normalize(h, this.config.norm);
    }
    return this.config.readout === 'last' ? perLayer[perLayer.length - 1]! : (tf.addN(perLayer) as tf.Tensor2D);
  }

  /** Every trainable tensor by a stable name, for saving and parameter sharing. */
  namedWeights(): Array<[string, tf.Variable]> {
    return [
      ...this.ffLayers.flatMap((l, i) => ffLayerWeights(i, l)),
      ...this.localLayers.flatMap((l, i) => localLayerWeights(i, l)),
      ...(this.head ? headWeights(this.head) : []),
    ];
  }

  dispose(): void {
    for (const layer of [...this.ffLayers, ...this.localLayers]) layer.dispose();
    this.head?.dispose();
  }
}
