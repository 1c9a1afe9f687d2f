import type { EpochRecord, TrainedEvent } from '@pff/contracts';

/** Means of what the layers and the head reported over a chapter's last epoch. */
export class ChapterStats {
  private readonly sums: Array<{ loss: number; gPos: number; gNeg: number; n: number }>;
  private head = { loss: 0, n: 0 };

  constructor(layerCount: number) {
    this.sums = Array.from({ length: layerCount }, () => ({ loss: 0, gPos: 0, gNeg: 0, n: 0 }));
  }

  add(event: TrainedEvent): void {
    for (const s of event.layers) {
      const sum = this.sums[s.layer];
      if (!sum) continue;
      sum.loss += s.loss;
      sum.gPos += s.goodnessPositive;
      sum.gNeg += s.goodnessNegative;
      sum.n++;
    }
    if (event.headLoss !== undefined) {
      this.head.loss += event.headLoss;
      this.head.n++;
    }
  }

  /** Running mean loss over the layers (for the progress bar). */
  meanLoss(): number {
    const means = this.sums.filter((s) => s.n > 0).map((s) => s.loss / s.n);
    return means.length === 0 ? 0 : means.reduce((a, b) => a + b, 0) / means.length;
  }

  record(epoch: number, chapter: number, seconds: number): EpochRecord {
    const mean = (v: number, n: number): number => (n > 0 ? v / n : 0);
    const layerLoss = this.sums.map((s) => mean(s.loss, s.n));
    return {
      epoch,
      chapter,
      loss: layerLoss.reduce((a, b) => a + b, 0) / layerLoss.length,
      layerLoss,
      goodnessPositive: this.sums.map((s) => mean(s.gPos, s.n)),
      goodnessNegative: this.sums.map((s) => mean(s.gNeg, s.n)),
      ...(this.head.n > 0 ? { headLoss: this.head.loss / this.head.n } : {}),
      seconds,
    };
  }
}
