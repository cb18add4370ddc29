/**
 * Items handed out and not acknowledged yet, in the order they were handed out.
 * One held for `reclaimAfterMs` is handed out again (its evaluation failed: the
 * memory store's counterpart of a Redis consumer group's pending list).
 */
export class Unacked<T extends { ref: string; deliveries: number }> {
  private readonly held = new Map<string, { item: T; at: number }>();

  constructor(private readonly reclaimAfterMs: number) {}

  get size(): number {
    return this.held.size;
  }

  hold(item: T, now: number): void {
    this.held.delete(item.ref); // Re-inserted last: the map stays in hand-out order.
    this.held.set(item.ref, { item, at: now });
  }

  ack(ref: string): void {
    this.held.delete(ref);
  }

  /** Up to `max` items (of those `wanted`) held for `reclaimAfterMs`, handed out again now. */
  takeIdle(now: number, max: number, wanted: (item: T) => boolean = () => true): T[] {
    const cutoff = now - this.reclaimAfterMs;
    const taken: T[] = [];
    for (const { item, at } of this.held.values()) {
      if (at > cutoff || taken.length >= max) break;
      if (wanted(item)) taken.push({ ...item, deliveries: item.deliveries + 1 });
    }
    for (const item of taken) this.hold(item, now);
    return taken;
  }

  /** Milliseconds until the longest-held item is handed out again (undefined: none held). */
  nextIdleIn(now: number): number | undefined {
    const oldest = this.held.values().next();
    return oldest.done ? undefined : Math.max(0, oldest.value.at + this.reclaimAfterMs - now);
  }
}
