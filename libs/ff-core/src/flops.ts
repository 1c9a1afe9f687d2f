/**
 * Floating-point operations of one FF step on `rows` rows (positives and negatives
 * together) of an `inputSize` x `outputSize` layer: the forward matMul plus the
 * weight-gradient matMul, 2*rows*in*out each. Element-wise work is not counted.
 */
export function ffStepFlops(rows: number, inputSize: number, outputSize: number): number {
  return 4 * rows * inputSize * outputSize;
}
