import { writeLabel } from '@pff/ff-core';
import type { Dataset } from '@pff/datasets';

/**
 * Copies the rows `indices` of a dataset into `target` (at row `firstRow`), each with
 * the label `labelOf(i)` written into its label slots (null = neutral).
 */
export function writeImageRows(
  target: Float32Array,
  firstRow: number,
  data: Dataset,
  indices: ArrayLike<number>,
  labelOf: (sample: number) => number | null,
): void {
  const size = data.inputSize;
  for (let r = 0; r < indices.length; r++) {
    const sample = indices[r]!;
    const offset = (firstRow + r) * size;
    target.set(data.images.subarray(sample * size, (sample + 1) * size), offset);
    writeLabel(target, offset, labelOf(sample), data.maxValue);
  }
}

/** Copies rows `indices` of a row-major buffer of width `width` into `target` at `firstRow`. */
export function gatherRows(
  target: Float32Array,
  firstRow: number,
  source: Float32Array,
  width: number,
  indices: ArrayLike<number>,
): void {
  for (let r = 0; r < indices.length; r++) {
    const sample = indices[r]!;
    target.set(source.subarray(sample * width, (sample + 1) * width), (firstRow + r) * width);
  }
}

/** The inverse of `gatherRows`: rows of `rows` (starting at `firstRow`) go back to their samples. */
export function scatterRows(
  target: Float32Array,
  width: number,
  indices: ArrayLike<number>,
  rows: Float32Array,
  firstRow: number,
): void {
  for (let r = 0; r < indices.length; r++) {
    const sample = indices[r]!;
    target.set(rows.subarray((firstRow + r) * width, (firstRow + r + 1) * width), sample * width);
  }
}
