/**
 * Median wall time in ms of `fn` over `reps` runs after `warmup` runs. `prepare`, when
 * given, runs before every call outside the timing and its result is passed to `fn`.
 */
export function medianMs<T = void>(
  fn: (prepared: T) => void,
  reps: number,
  warmup = 3,
  prepare: () => T = () => undefined as T,
  clock: () => number = () => performance.now(),
): number {
  for (let i = 0; i < warmup; i++) fn(prepare());
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const prepared = prepare();
    const start = clock();
    fn(prepared);
    times.push(clock() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
