import { permutation, type Rng } from '@pff/random';

/**
 * The order of samples 0..count-1 in epoch `epoch` (1-based) of a run whose random
 * streams all fork from `root` (the run's seed). The sequential trainer and the
 * pipeline's scheduler both take their batch order from here, so a run computes the
 * same function whichever of them trains it.
 */
export function epochOrder(count: number, root: Rng, epoch: number, pool = 0): Uint32Array {
  return permutation(count, root.fork(100 + epoch).fork(pool));
}
