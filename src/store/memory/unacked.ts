/**
 * Items handed out and not settled yet: the memory store's counterpart of a Redis
 * consumer group's pending list. An item stays with the replica it was handed to
 * until that replica settles it or returns it (its evaluation failed: handed out
 * again after `reclaimAfterMs`), or the replica is retired (handed out again at
 * once). A replica cannot crash without its memory store, so nothing is taken
 * back from a live one (see docs/design.md §2).
 */
export class Unacked<T extends { ref: string; deliveries: number }> {
  /** Ref → the item and the replica holding it. */
  private readonly held = new Map<string, { item: T; replicaId: string }>();
  /** Ref → the item and when it may be handed out again. */
  private readonly returned = new Map<string, { item: T; dueAt: number }>();

  constructor(private readonly reclaimAfterMs: number) {}

  get size(): number {
    return this.held.size + this.returned.size;
  }

  hold(item: T, replicaId: string): void {
    this.returned.delete(item.ref);
    this.held.set(item.ref, { item, replicaId });
  }

  /** Settled: done for good. */
  settle(ref: string): void {
    this.held.delete(ref);
    this.returned.delete(ref);
  }

  /** Its evaluation failed: handed out again after `reclaimAfterMs`. */
  giveBack(ref: string, now: number): void {
    const entry = this.held.get(ref);
    if (!entry) return;
    this.held.delete(ref);
    this.returned.set(ref, { item: entry.item, dueAt: now + this.reclaimAfterMs });
  }

  /** The replica went away: what it held is handed out again at once. */
  releaseReplica(replicaId: string): void {
    for (const [ref, entry] of this.held) {
      if (entry.replicaId !== replicaId) continue;
      this.held.delete(ref);
      this.returned.set(ref, { item: entry.item, dueAt: 0 });
    }
  }

  /** Up to `max` returned items (of those `wanted`) that are due, handed out again now to `replicaId`. */
  takeDue(now: number, max: number, replicaId: string, wanted: (item: T) => boolean = () => true): T[] {
    const taken: T[] = [];
    for (const { item, dueAt } of this.returned.values()) {
      if (taken.length >= max) break;
      if (dueAt <= now && wanted(item)) taken.push({ ...item, deliveries: item.deliveries + 1 });
    }
    for (const item of taken) this.hold(item, replicaId);
    return taken;
  }

  /** Milliseconds until the first returned item (of those `wanted`) is due; undefined when none is. */
  nextDueIn(now: number, wanted: (item: T) => boolean = () => true): number | undefined {
    let first: number | undefined;
    for (const { item, dueAt } of this.returned.values()) {
      if (wanted(item) && (first === undefined || dueAt < first)) first = dueAt;
    }
    return first === undefined ? undefined : Math.max(0, first - now);
  }
}
