import { registerTypedKernel, type TypedKernel } from './typed-kernel.js';

/**
 * Row normalisation (L2, or RMS when attrs.rms = 1) that also writes the transpose the
 * weight gradient needs, in one pass. Outputs: xn [R, D], xnᵀ [D, R].
 */
export const NORMALIZE_KERNEL: TypedKernel = {
  name: 'PffNormalizeRows',
  inputs: ['x'],
  outputShapes: ([shape]) => [[shape![0]!, shape![1]!], [shape![1]!, shape![0]!]],
  compute([x], [xn, xnT], [shape], attrs) {
    const rows = shape![0]!;
    const cols = shape![1]!;
    const input = x!;
    const out = xn!;
    const outT = xnT!;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let squares = 0;
      for (let c = 0; c < cols; c++) squares += input[base + c]! * input[base + c]!;
      const scale = 1 / (Math.sqrt(attrs.rms ? squares / cols : squares) + attrs.epsilon!);
      for (let c = 0; c < cols; c++) {
        const value = input[base + c]! * scale;
        out[base + c] = value;
        outT[c * rows + r] = value;
      }
    }
  },
};

registerTypedKernel(NORMALIZE_KERNEL);
