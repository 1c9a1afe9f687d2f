/** A sampled quantity over a soak: where it started and ended, its extremes, and its trend. */
export interface Trend {
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  /** Least-squares slope per minute over the samples from the end of the warm-up on (null with fewer than 3). */
  readonly slopePerMinute: number | null;
}

/** Least-squares slope of `points` ([seconds, value]), in value per minute. */
export function slopePerMinute(points: ReadonlyArray<readonly [number, number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const meanT = points.reduce((s, [t]) => s + t, 0) / n;
  const meanV = points.reduce((s, [, v]) => s + v, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [t, v] of points) {
    covariance += (t - meanT) * (v - meanV);
    variance += (t - meanT) ** 2;
  }
  return variance > 0 ? (covariance / variance) * 60 : null;
}

/**
 * The trend of `points` ([seconds, value], in time order; values that are not finite,
 * such as a gauge's NaN before it knows, are left out); the slope only over t >= warmupEnd.
 */
export function trendOf(samples: ReadonlyArray<readonly [number, number]>, warmupEnd: number): Trend {
  const points = samples.filter(([, v]) => Number.isFinite(v));
  const values = points.map(([, v]) => v);
  return {
    first: values[0] ?? Number.NaN,
    last: values.at(-1) ?? Number.NaN,
    min: values.length > 0 ? Math.min(...values) : Number.NaN,
    max: values.length > 0 ? Math.max(...values) : Number.NaN,
    slopePerMinute: slopePerMinute(points.filter(([t]) => t >= warmupEnd)),
  };
}
