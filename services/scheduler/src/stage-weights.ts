import * as tf from '@tensorflow/tfjs-core';
import { tensorOf, type Decoded, type LayerRange, type NamedTensor } from '@pff/contracts';
import type { FFNetwork } from '@pff/ff-core';

/** The network's weights that belong to a stage: its layers' and, if it ends the network, the head's. */
export function stageWeights(network: FFNetwork, range: LayerRange): Array<[string, tf.Variable]> {
  const endsNetwork = range.last === network.config.layers.length - 1;
  return network.namedWeights().filter(([name]) => {
    const match = /^layer(\d+)\//.exec(name);
    if (match) {
      const layer = Number(match[1]);
      return layer >= range.first && layer <= range.last;
    }
    return endsNetwork && name.startsWith('head/');
  });
}

export function stageTensors(network: FFNetwork, range: LayerRange, values?: ReadonlyMap<string, Float32Array>): NamedTensor[] {
  return stageWeights(network, range).map(([name, v]) => ({ name, shape: v.shape, data: values?.get(name) ?? (v.dataSync() as Float32Array) }));
}

/** A replica's parameters from a message, checked name by name against the stage's shapes. */
export function readStageParams(decoded: Decoded, network: FFNetwork, range: LayerRange): Map<string, Float32Array> {
  return new Map(stageWeights(network, range).map(([name, v]) => [name, tensorOf(decoded, name, v.shape, 'float32').slice()]));
}

export function loadStageParams(network: FFNetwork, range: LayerRange, values: ReadonlyMap<string, Float32Array>): void {
  tf.tidy(() => {
    for (const [name, v] of stageWeights(network, range)) {
      const data = values.get(name);
      if (data) v.assign(tf.tensor(data, v.shape));
    }
  });
}
