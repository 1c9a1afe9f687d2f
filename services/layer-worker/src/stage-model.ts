import * as tf from '@tensorflow/tfjs-core';
import {
  createFFLayer,
  createHead,
  createLocalLayer,
  ffLayerWeights,
  hasSoftmaxHead,
  headWeights,
  localLayerWeights,
  readingLayersOf,
  type FFLayer,
  type LocalSoftmaxLayer,
  type NetworkConfig,
  type ParamOptimizer,
  type SoftmaxHead,
} from '@pff/ff-core';
import type { NamedTensor } from '@pff/contracts';
import type { Rng } from '@pff/random';

/** The layers one pipeline stage trains: `first`..`last` (inclusive) of the network. */
export interface StageLayout {
  readonly network: NetworkConfig;
  readonly first: number;
  readonly last: number;
}

/**
 * What a stage holds: its FF (or local-softmax) layers and, when it ends the network
 * and the run classifies with a softmax head, the head. Weight names are the whole
 * network's (`layer3/weights`, `head/bias`), so stages' parameters assemble into a model.
 */
export class StageModel {
  readonly ffLayers: readonly FFLayer[];
  readonly localLayers: readonly LocalSoftmaxLayer[];
  readonly head: SoftmaxHead | null;
  readonly layerIndices: readonly number[];
  /** Of this stage's layers, those whose neutral output feeds the head. */
  readonly readingLayers: ReadonlySet<number>;

  constructor(
    readonly layout: StageLayout,
    rng: Rng,
  ) {
    const { network, first, last } = layout;
    if (first < 0 || last < first || last >= network.layers.length) {
      throw new RangeError(`stage layers ${first}..${last} do not fit a network of ${network.layers.length}`);
    }
    this.layerIndices = Array.from({ length: last - first + 1 }, (_, k) => first + k);
    const ff = network.objective === 'ff';
    this.ffLayers = ff ? this.layerIndices.map((i) => createFFLayer(network, i, rng)) : [];
    this.localLayers = ff ? [] : this.layerIndices.map((i) => createLocalLayer(network, i, rng));
    this.head = this.endsNetwork && hasSoftmaxHead(network) ? createHead(network, rng) : null;
    this.readingLayers = new Set(hasSoftmaxHead(network) ? readingLayersOf(network) : []);
  }

  get endsNetwork(): boolean {
    return this.layout.last === this.layout.network.layers.length - 1;
  }

  get inputWidth(): number {
    return this.layout.first === 0 ? this.layout.network.inputSize : this.layout.network.layers[this.layout.first - 1]!;
  }

  get outputWidth(): number {
    return this.layout.network.layers[this.layout.last]!;
  }

  namedWeights(): Array<[string, tf.Variable]> {
    return [
      ...this.ffLayers.flatMap((l, k) => ffLayerWeights(this.layout.first + k, l)),
      ...this.localLayers.flatMap((l, k) => localLayerWeights(this.layout.first + k, l)),
      ...(this.head ? headWeights(this.head) : []),
    ];
  }

  /** Each weight with the optimizer that trains it. */
  private optimized(): Array<{ weights: Array<[string, tf.Variable]>; optimizer: ParamOptimizer }> {
    const parts = [
      ...this.ffLayers.map((l, k) => ({ weights: ffLayerWeights(this.layout.first + k, l), optimizer: l.optimizer })),
      ...this.localLayers.map((l, k) => ({ weights: localLayerWeights(this.layout.first + k, l), optimizer: l.optimizer })),
      ...(this.head ? [{ weights: headWeights(this.head), optimizer: this.head.optimizer }] : []),
    ];
    return parts;
  }

  /**
   * A copy of the optimizers' state, by name: `<weight>#slot<k>` for each weight's
   * moments, `<first weight>#steps` for each optimizer's step count. With the weights,
   * it lets a replacement continue training exactly where a checkpoint left off.
   */
  optimizerState(): NamedTensor[] {
    return this.optimized().flatMap(({ weights, optimizer }) => [
      { name: `${weights[0]![0]}#steps`, shape: [1], data: Float32Array.of(optimizer.steps) },
      ...optimizer.slots.flatMap((slot, k) => weights.map(([name, v], i) => ({ name: `${name}#slot${k}`, shape: v.shape, data: slot[i]!.dataSync().slice() as Float32Array }))),
    ]);
  }

  /** Takes the optimizers' state from `values` (as optimizerState names it); false, changing nothing, unless all of it is there. */
  loadOptimizerState(values: ReadonlyMap<string, Float32Array>): boolean {
    const parts = this.optimized();
    const complete = parts.every(({ weights, optimizer }) =>
      values.get(`${weights[0]![0]}#steps`)?.length === 1 &&
      optimizer.slots.every((_, k) => weights.every(([name, v]) => values.get(`${name}#slot${k}`)?.length === v.size)));
    if (!complete) return false;
    tf.tidy(() => {
      for (const { weights, optimizer } of parts) {
        optimizer.restoreSteps(values.get(`${weights[0]![0]}#steps`)![0]!);
        optimizer.slots.forEach((slot, k) => weights.forEach(([name, v], i) => slot[i]!.assign(tf.tensor(values.get(`${name}#slot${k}`)!, v.shape))));
      }
    });
    return true;
  }

  /** A copy of every weight, by name. */
  snapshot(): Map<string, Float32Array> {
    return new Map(this.namedWeights().map(([name, v]) => [name, v.dataSync().slice() as Float32Array]));
  }

  /** Replaces every weight; `values` must hold each of this stage's names with the right size. */
  load(values: ReadonlyMap<string, Float32Array>): void {
    const weights = this.namedWeights();
    for (const [name, v] of weights) {
      const data = values.get(name);
      if (!data) throw new RangeError(`parameters lack ${name}`);
      if (data.length !== v.size) throw new RangeError(`${name} has ${data.length} values, expected ${v.size}`);
    }
    tf.tidy(() => {
      for (const [name, v] of weights) v.assign(tf.tensor(values.get(name)!, v.shape));
    });
  }

  /**
   * Delayed averaging: the shared parameters came from what this replica sent at
   * `sent`; keep what it learnt since: w ← w + (shared − sent).
   */
  adoptKeepingProgress(shared: ReadonlyMap<string, Float32Array>, sent: ReadonlyMap<string, Float32Array>): void {
    const merged = new Map<string, Float32Array>();
    for (const [name, v] of this.namedWeights()) {
      const now = v.dataSync() as Float32Array;
      const s = shared.get(name);
      const before = sent.get(name);
      if (!s || !before || s.length !== now.length || before.length !== now.length) throw new RangeError(`cannot merge ${name}`);
      const out = new Float32Array(now.length);
      for (let j = 0; j < out.length; j++) out[j] = now[j]! + (s[j]! - before[j]!);
      merged.set(name, out);
    }
    this.load(merged);
  }

  dispose(): void {
    for (const layer of [...this.ffLayers, ...this.localLayers]) layer.dispose();
    this.head?.dispose();
  }
}
