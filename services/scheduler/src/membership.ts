/**
 * The replicas the scheduler has heard from, per stage. A replica counts as live while
 * it has spoken within `liveMs` (every trained batch is a sign of life).
 */
export class Membership {
  private readonly lastSeen = new Map<string, { stage: number; at: number }>();
  private readonly shards = new Map<string, number>();

  constructor(
    private readonly clock: () => number,
    private readonly liveMs: number,
  ) {}

  seen(stage: number, replica: string): void {
    this.lastSeen.set(replica, { stage, at: this.clock() });
  }

  /** The replica said it left: it is not waited for any more. */
  gone(replica: string): void {
    this.lastSeen.delete(replica);
  }

  live(stage: number): string[] {
    const now = this.clock();
    return [...this.lastSeen].filter(([, s]) => s.stage === stage && now - s.at <= this.liveMs).map(([r]) => r);
  }

  /** Federated: the shard a replica serves; a newcomer gets one no live replica holds. */
  shardFor(replica: string, shards: number): number {
    const held = this.shards.get(replica);
    if (held !== undefined) return held;
    const live = new Set(this.live(0));
    const taken = new Set([...this.shards].filter(([r]) => live.has(r) && r !== replica).map(([, s]) => s));
    let shard = 0;
    while (taken.has(shard) && shard < shards - 1) shard++;
    this.shards.set(replica, shard);
    return shard;
  }
}
