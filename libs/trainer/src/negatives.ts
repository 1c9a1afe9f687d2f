import type { Rng } from '@pff/random';

export type NegativeStrategy = 'random' | 'fixed' | 'adaptive';
export type AdaptiveSampling = 'argmax' | 'proportional';

/**
 * Chooses the wrong label each training sample carries as negative data, once per
 * chapter. Random: new labels each chapter. Fixed: chosen once. Adaptive: the wrong
 * label the current network scores highest (or one drawn in proportion to the
 * softmax of its scores, as Hinton does); random until the network has scored the data.
 */
export interface NegativeLabels {
  /** Labels for this chapter; `scores` are the network's class scores per sample (count x classes). */
  forChapter(scores: Float32Array | null): Uint8Array;
}

export function createNegativeLabels(
  strategy: NegativeStrategy,
  labels: Uint8Array,
  classes: number,
  rng: Rng,
  sampling: AdaptiveSampling = 'argmax',
): NegativeLabels {
  const randomWrong = (): Uint8Array => {
    const out = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) out[i] = (labels[i]! + 1 + rng.int(classes - 1)) % classes;
    return out;
  };
  let fixed: Uint8Array | null = null;
  return {
    forChapter(scores) {
      if (strategy === 'random') return randomWrong();
      if (strategy === 'fixed') return (fixed ??= randomWrong());
      if (!scores) return randomWrong();
      if (scores.length !== labels.length * classes) {
        throw new RangeError(`expected ${labels.length * classes} scores, got ${scores.length}`);
      }
      return sampling === 'argmax' ? hardestWrong(scores, labels, classes) : sampledWrong(scores, labels, classes, rng);
    },
  };
}

function hardestWrong(scores: Float32Array, labels: Uint8Array, classes: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      const s = scores[i * classes + k]!;
      if (k !== labels[i] && s > bestScore) {
        best = k;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}

function sampledWrong(scores: Float32Array, labels: Uint8Array, classes: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(labels.length);
  const weights = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (k !== labels[i]) max = Math.max(max, scores[i * classes + k]!);
    let total = 0;
    for (let k = 0; k < classes; k++) {
      weights[k] = k === labels[i] ? 0 : Math.exp(scores[i * classes + k]! - max);
      total += weights[k]!;
    }
    let draw = rng.next() * total;
    let pick = (labels[i]! + 1) % classes;
    for (let k = 0; k < classes; k++) {
      draw -= weights[k]!;
      if (weights[k]! > 0 && draw <= 0) {
        pick = k;
        break;
      }
    }
    out[i] = pick;
  }
  return out;
}
