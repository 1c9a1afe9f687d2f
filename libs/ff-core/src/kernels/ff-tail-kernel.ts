import { registerTypedKernel, type TypedKernel } from './typed-kernel.js';

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Everything of an FF step between the forward matMul and the weight-gradient matMul,
 * in two passes over zᵀ = W xnᵀ ([out, R], one column per row of the batch):
 * h = relu(z + b), goodness per row, the loss (softplus(θ - g) for the first
 * `positives` rows, softplus(g - θ) for the rest, averaged), dL/dzᵀ, the bias
 * gradient, and norm(h) row-major for the next layer. Outputs: dzᵀ [out, R], dBias
 * [out], norm(h) [R, out], stats [loss, mean goodness of positives, of negatives].
 * Matches the op-by-op path in ff-layer.ts (tested side by side).
 */
export const FF_TAIL_KERNEL: TypedKernel = {
  name: 'PffForwardForwardTail',
  inputs: ['zT', 'bias'],
  outputShapes: ([shape]) => [[...shape!], [shape![0]!], [shape![1]!, shape![0]!], [3]],
  compute([zT, bias], [dzT, dBias, out, stats], [shape], attrs) {
    const units = shape![0]!;
    const rows = shape![1]!;
    const positives = attrs.positives!;
    const threshold = attrs.threshold!;
    const sumGoodness = attrs.sumGoodness === 1;
    const rms = attrs.rms === 1;
    const factor = sumGoodness ? 2 : 2 / units;
    const z = zT!;
    const b = bias!;
    const grad = dzT!;
    const biasGrad = dBias!;
    const normed = out!;
    // Pass 1: h = relu(z + b) (kept in the gradient buffer) and each row's sum of squares.
    const squares = new Float64Array(rows);
    for (let j = 0; j < units; j++) {
      const base = j * rows;
      for (let r = 0; r < rows; r++) {
        const h = Math.max(0, z[base + r]! + b[j]!);
        grad[base + r] = h;
        squares[r] = squares[r]! + h * h;
      }
    }
    const coef = new Float64Array(rows);
    const scale = new Float64Array(rows);
    let loss = 0;
    let gPos = 0;
    let gNeg = 0;
    for (let r = 0; r < rows; r++) {
      const g = sumGoodness ? squares[r]! : squares[r]! / units;
      const positive = r < positives;
      const margin = positive ? threshold - g : g - threshold;
      loss += softplus(margin);
      if (positive) gPos += g;
      else gNeg += g;
      coef[r] = (((positive ? -1 : 1) * sigmoid(margin)) / rows) * factor;
      scale[r] = 1 / (Math.sqrt(rms ? squares[r]! / units : squares[r]!) + attrs.epsilon!);
    }
    // Pass 2: dL/dz = h * dL/dg * dg/dh (relu' is folded in: h = 0 where z + b <= 0).
    for (let j = 0; j < units; j++) {
      const base = j * rows;
      let biasSum = 0;
      for (let r = 0; r < rows; r++) {
        const h = grad[base + r]!;
        const d = h * coef[r]!;
        grad[base + r] = d;
        biasSum += d;
        normed[r * units + j] = h * scale[r]!;
      }
      biasGrad[j] = biasSum;
    }
    stats![0] = loss / rows;
    stats![1] = positives > 0 ? gPos / positives : 0;
    stats![2] = rows > positives ? gNeg / (rows - positives) : 0;
  },
};

registerTypedKernel(FF_TAIL_KERNEL);
