import { batchKey, epochOfKey, type DroppedEvent, type LayerCounts, type LayerRange, type TrainedEvent } from '@pff/contracts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Tallies the workers' reports so the run can prove nothing was lost or doubled. */
export class Accounting {
  private readonly seen: Array<Set<string>>;
  private readonly reports = new Set<string>();
  readonly layers: Array<Mutable<LayerCounts>>;

  constructor(
    layerCount: number,
    private readonly stages: readonly LayerRange[],
  ) {
    this.seen = Array.from({ length: layerCount }, () => new Set<string>());
    this.layers = Array.from({ length: layerCount }, (_, layer) => ({ layer, batches: 0, samples: 0, retrained: 0, dropped: 0, duplicates: 0 }));
  }

  /** Counts a trained report; returns true when the batch is new at the stage's last layer. */
  trained(event: TrainedEvent): boolean {
    // The same report twice (its publish was retried after a connection loss) is one training.
    if (this.reports.has(event.report)) return false;
    this.reports.add(event.report);
    const key = batchKey(event.epoch, event.index);
    let fresh = false;
    for (const { layer } of event.layers) {
      const counts = this.layers[layer];
      const seen = this.seen[layer];
      if (!counts || !seen) continue;
      if (!seen.has(key)) {
        seen.add(key);
        counts.batches++;
        counts.samples += event.samples;
        fresh = true;
      } else if (event.redelivered) counts.retrained++;
      else counts.duplicates++;
    }
    return fresh;
  }

  dropped(event: DroppedEvent): void {
    const range = this.stages[event.stage];
    if (!range) return;
    for (let layer = range.first; layer <= range.last; layer++) this.layers[layer]!.dropped++;
  }

  /** Batches of the stage's layers trained so far with keys in `epochs` (for a newcomer's duplicate check). */
  trainedKeys(stage: number, epochs: ReadonlySet<number>): string[] {
    const range = this.stages[stage];
    if (!range) return [];
    return [...this.seen[range.last]!].filter((key) => epochs.has(epochOfKey(key)));
  }
}
