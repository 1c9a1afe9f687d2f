import { setTimeout as sleep } from 'node:timers/promises';
import { sampleProcess } from './soak-sampler.js';
import type { SoakRole } from './soak-roles.js';

/**
 * Resolves once every worker has left every run (its /healthz lists none) and its tfjs
 * tensor count has held still for `settleMs`: a worker forgets a run before it has
 * finished leaving it (the batch in hand, then the model disposed).
 */
export async function waitForIdle(workers: readonly SoakRole[], timeoutMs = 60_000, settleMs = 300): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const check = (what: string): void => {
    if (performance.now() > deadline) throw new Error(`workers not idle ${timeoutMs} ms after the run finished: ${what}`);
  };
  for (const worker of workers) {
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${worker.port}/healthz`)).json()) as { runs?: string[] };
      if ((health.runs ?? []).length === 0) break;
      check(`${worker.name} is in ${health.runs!.join(', ')}`);
      await sleep(100);
    }
    const tensors = async (): Promise<number> => (await sampleProcess(`http://127.0.0.1:${worker.port}/metrics`)).sample.tensors;
    let before = await tensors();
    for (;;) {
      await sleep(settleMs);
      const now = await tensors();
      if (now === before) break;
      check(`${worker.name}'s tensors still changing (${before} -> ${now})`);
      before = now;
    }
  }
}
