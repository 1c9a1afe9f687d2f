/** Median wall time in ms of `fn` over `reps` runs after `warmup` runs. */
export function medianMs(fn: () => void, reps: number, warmup = 3, clock: () => number = () => performance.now()): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = clock();
    fn();
    times.push(clock() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
