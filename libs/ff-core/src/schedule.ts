/**
 * The paper's (and Hinton's) schedule: the full rate for the first half of training,
 * then a linear cool-down to zero, evaluated at a fractional epoch.
 */
export function learningRateAt(base: number, epoch: number, totalEpochs: number, coolDown: boolean): number {
  if (!coolDown) return base;
  return base * Math.max(0, Math.min(1, (2 * (totalEpochs - epoch)) / totalEpochs));
}
