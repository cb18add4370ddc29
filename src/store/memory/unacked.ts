/**
 * Items handed out and not acknowledged yet, in the order they were handed out (or
 * last kept). One held for `reclaimAfterMs` is handed out again (its evaluation
 * failed, or its reader is gone): the memory store's counterpart of a Redis
 * consumer group's pending list, with the reader that holds each item.
 */
export class Unacked<T extends { ref: string; deliveries: number }> {
  private readonly held = new Map<string, { item: T; at: number; consumer: string }>();

  constructor(private readonly reclaimAfterMs: number) {}

  get size(): number {
    return this.held.size;
  }

  hold(item: T, now: number, consumer: string): void {
    this.held.delete(item.ref); // Re-inserted last: the map stays in order of `at`.
    this.held.set(item.ref, { item, at: now, consumer });
  }

  ack(ref: string): void {
    this.held.delete(ref);
  }

  /**
   * Restarts the wait of the items `consumer` still holds among `refs` (their
   * evaluation is still running), counting no delivery.
   */
  keep(consumer: string, refs: readonly string[], now: number): void {
    for (const ref of refs) {
      const entry = this.held.get(ref);
      if (entry?.consumer === consumer) this.hold(entry.item, now, consumer);
    }
  }

  /**
   * Up to `max` items (of those `wanted`) held for `reclaimAfterMs`, handed out
   * again now, to `consumer`.
   */
  takeIdle(now: number, max: number, consumer: string, wanted: (item: T) => boolean = () => true): T[] {
    const cutoff = now - this.reclaimAfterMs;
    const taken: T[] = [];
    for (const { item, at } of this.held.values()) {
      if (at > cutoff || taken.length >= max) break;
      if (wanted(item)) taken.push({ ...item, deliveries: item.deliveries + 1 });
    }
    for (const item of taken) this.hold(item, now, consumer);
    return taken;
  }

  /**
   * Milliseconds until the longest-held item (of those `wanted`) is handed out again;
   * undefined when none is held.
   */
  nextIdleIn(now: number, wanted: (item: T) => boolean = () => true): number | undefined {
    for (const { item, at } of this.held.values()) {
      if (wanted(item)) return Math.max(0, at + this.reclaimAfterMs - now);
    }
    return undefined;
  }
}
