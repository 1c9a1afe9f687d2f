import { registerTypedKernel, type TypedKernel } from './typed-kernel.js';

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Everything of an FF step between the forward matMul and the weight-gradient matMul,
 * in one pass over h = relu(xn W + b): goodness per row, the loss (softplus(θ - g) for
 * the first `positives` rows, softplus(g - θ) for the rest, averaged), dL/dz, the bias
 * gradient, and norm(h) for the next layer. Outputs: dz [R, n], dBias [n], norm(h)
 * [R, n], stats [loss, mean goodness of positives, mean goodness of negatives].
 * Matches the op-by-op path in ff-layer.ts (tested side by side).
 */
export const FF_TAIL_KERNEL: TypedKernel = {
  name: 'PffForwardForwardTail',
  inputs: ['h'],
  outputShapes: ([shape]) => [[...shape!], [shape![1]!], [...shape!], [3]],
  compute([h], [dz, dBias, out, stats], [shape], attrs) {
    const rows = shape![0]!;
    const cols = shape![1]!;
    const positives = attrs.positives!;
    const threshold = attrs.threshold!;
    const sumGoodness = attrs.sumGoodness === 1;
    const rms = attrs.rms === 1;
    const factor = sumGoodness ? 2 : 2 / cols;
    const act = h!;
    const grad = dz!;
    const biasGrad = dBias!;
    const normed = out!;
    biasGrad.fill(0);
    let loss = 0;
    let gPos = 0;
    let gNeg = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let squares = 0;
      for (let c = 0; c < cols; c++) squares += act[base + c]! * act[base + c]!;
      const g = sumGoodness ? squares : squares / cols;
      const positive = r < positives;
      const margin = positive ? threshold - g : g - threshold;
      loss += softplus(margin);
      if (positive) gPos += g;
      else gNeg += g;
      const dLdg = ((positive ? -1 : 1) * sigmoid(margin)) / rows;
      const scale = dLdg * factor;
      const norm = 1 / (Math.sqrt(rms ? squares / cols : squares) + attrs.epsilon!);
      for (let c = 0; c < cols; c++) {
        const value = act[base + c]!;
        const d = value * scale;
        grad[base + c] = d;
        biasGrad[c] = biasGrad[c]! + d;
        normed[base + c] = value * norm;
      }
    }
    stats![0] = loss / rows;
    stats![1] = positives > 0 ? gPos / positives : 0;
    stats![2] = rows > positives ? gNeg / (rows - positives) : 0;
  },
};

registerTypedKernel(FF_TAIL_KERNEL);
