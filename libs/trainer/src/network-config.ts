import type { RunSpec } from '@pff/contracts';
import type { NetworkConfig } from '@pff/ff-core';

/** The network a run spec describes, for inputs of `inputSize` values up to `labelScale`. */
export function networkConfigOf(spec: RunSpec, inputSize: number, labelScale: number): NetworkConfig {
  return {
    inputSize,
    layers: spec.layers,
    objective: spec.objective,
    classifier: spec.classifier,
    readout: spec.readout,
    norm: spec.norm,
    goodness: spec.goodness,
    threshold: spec.threshold,
    peerNormalization: spec.peerNormalization,
    optimizer: { kind: spec.optimizer, momentum: spec.momentum, weightDecay: spec.weightDecay },
    labelScale,
  };
}
