import type { NamedTensor, ParamsEvent } from '@pff/contracts';

export interface Contribution {
  readonly samples: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** The batches these parameters include ("epoch:index"). */
  readonly batches: readonly string[];
  /** The replica's optimizer state (`<weight>#slot<k>`, `<weight>#steps`), passed on to a replacement as is. */
  readonly optimizer: readonly NamedTensor[];
}

/**
 * One round of one stage: the scheduler asks every live replica for its parameters and
 * collects what arrives. The round either checkpoints each replica's parameters or
 * averages them (see StageSharing).
 */
export class ShareRound {
  private readonly contributions = new Map<string, Contribution>();
  private finish: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    readonly stage: number,
    readonly round: number,
    private readonly expected: ReadonlySet<string>,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    if (expected.size === 0) this.close();
  }

  add(event: ParamsEvent, weights: ReadonlyMap<string, Float32Array>, optimizer: readonly NamedTensor[]): void {
    if (event.round !== this.round || event.stage !== this.stage || !this.finish) return;
    this.contributions.set(event.replica, { samples: event.samples, weights, batches: event.batches, optimizer });
    if ([...this.expected].every((r) => this.contributions.has(r))) this.close();
  }

  /** Done when every replica still alive has answered (a replica that died is not waited for). */
  settleWith(live: ReadonlySet<string>): void {
    if ([...this.expected].every((r) => this.contributions.has(r) || !live.has(r))) this.close();
  }

  /** Ends the round: answers arriving later are ignored. */
  close(): void {
    this.finish?.();
    this.finish = null;
  }

  /** The answers, by replica. */
  get answers(): ReadonlyMap<string, Contribution> {
    return this.contributions;
  }
}

export function describeContributions(parts: ReadonlyMap<string, Contribution>): string {
  return [...parts].map(([replica, c]) => `${replica}: ${c.samples} samples`).join(', ') || 'nobody answered';
}

/** The samples-weighted mean (a plain mean when nobody trained), or null with no contribution. */
export function averageOf(parts: Iterable<Contribution>): Map<string, Float32Array> | null {
  const all = [...parts];
  if (all.length === 0) return null;
  const total = all.reduce((sum, c) => sum + c.samples, 0);
  const weightOf = (c: Contribution): number => (total > 0 ? c.samples / total : 1 / all.length);
  const out = new Map<string, Float32Array>();
  for (const [name, first] of all[0]!.weights) {
    const mean = new Float32Array(first.length);
    for (const c of all) {
      const w = weightOf(c);
      const values = c.weights.get(name);
      if (!values || values.length !== mean.length || w === 0) continue;
      for (let j = 0; j < mean.length; j++) mean[j]! += w * values[j]!;
    }
    out.set(name, mean);
  }
  return out;
}
