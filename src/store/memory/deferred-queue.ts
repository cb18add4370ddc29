import type { Occurrence } from "../../domain/occurrence.js";
import type { DeferredEvaluation } from "../store.js";
import { Unacked } from "./unacked.js";
import { waitForWake } from "./wake.js";

/**
 * In-process deferred evaluations: handed out once, to readers hosting their app
 * (again when one stays unacknowledged for `reclaimAfterMs`).
 */
export class DeferredQueue {
  private waiting: DeferredEvaluation[] = [];
  private readonly unacked: Unacked<DeferredEvaluation>;
  private readonly wakers = new Set<() => void>();
  private sequence = 0;

  constructor(reclaimAfterMs: number) {
    this.unacked = new Unacked(reclaimAfterMs);
  }

  append(appId: string, triggerId: string, occurrence: Occurrence): void {
    this.waiting.push({ ref: String(++this.sequence), appId, triggerId, occurrence, deliveries: 1 });
    for (const wake of [...this.wakers]) wake();
  }

  async read(
    appIds: readonly string[],
    consumer: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const wanted = new Set(appIds);
    const first = this.take(wanted, consumer, max);
    if (first.length > 0 || waitMs <= 0 || signal.aborted) return first;
    // Only an item this reader may take can end the wait early (else it would spin).
    const idleIn = this.unacked.nextIdleIn(Date.now(), (item) => wanted.has(item.appId)) ?? waitMs;
    await waitForWake(this.wakers, Math.min(waitMs, idleIn), signal);
    return this.take(wanted, consumer, max);
  }

  ack(items: readonly DeferredEvaluation[]): void {
    for (const item of items) this.unacked.ack(item.ref);
  }

  /** See Store.keepDeferred. */
  keep(consumer: string, refs: readonly string[]): void {
    this.unacked.keep(consumer, refs, Date.now());
  }

  get backlog(): number {
    return this.waiting.length + this.unacked.size;
  }

  private take(wanted: ReadonlySet<string>, consumer: string, max: number): DeferredEvaluation[] {
    const now = Date.now();
    const taken = this.unacked.takeIdle(now, max, consumer, (item) => wanted.has(item.appId));
    this.waiting = this.waiting.filter((item) => {
      if (taken.length >= max || !wanted.has(item.appId)) return true;
      taken.push(item);
      this.unacked.hold(item, now, consumer);
      return false;
    });
    return taken;
  }
}
