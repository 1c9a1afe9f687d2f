export { createRng, type Rng } from './rng.js';
export { permutation, shuffleInPlace } from './shuffle.js';
