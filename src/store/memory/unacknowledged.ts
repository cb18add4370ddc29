/**
 * Items handed to a consumer and not acknowledged yet, oldest delivery first. An item
 * held longer than `reclaimAfterMs` (its evaluation failed, e.g. on a store error) is
 * handed out again, as XAUTOCLAIM does for a Redis consumer group: nothing taken is
 * ever dropped without an acknowledgement.
 */
export class Unacknowledged<T> {
  private readonly held = new Map<string, { item: T; at: number }>();

  constructor(private readonly reclaimAfterMs: number) {}

  get size(): number {
    return this.held.size;
  }

  /** Records a delivery of `item` now (again, for a redelivery). */
  hold(ref: string, item: T): void {
    this.held.delete(ref); // re-inserted last: the map stays in delivery order
    this.held.set(ref, { item, at: Date.now() });
  }

  ack(ref: string): void {
    this.held.delete(ref);
  }

  /** Up to `max` items that `wanted` accepts, held longer than reclaimAfterMs; delivered again now. */
  reclaim(max: number, wanted: (item: T) => boolean = () => true): T[] {
    const cutoff = Date.now() - this.reclaimAfterMs;
    const taken: Array<[string, T]> = [];
    for (const [ref, { item, at }] of this.held) {
      if (at > cutoff || taken.length >= max) break;
      if (wanted(item)) taken.push([ref, item]);
    }
    for (const [ref, item] of taken) this.hold(ref, item);
    return taken.map(([, item]) => item);
  }
}
