/** The standard config of the issues: MNIST, 4x500, batch 64, Random negatives, Softmax, sequential. */
export const STANDARD_SPEC = { layers: [500, 500, 500, 500], batch: 64, neg: 'random', classifier: 'softmax', variant: 'sequential' };
