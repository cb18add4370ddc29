import type { Occurrence } from "../../domain/occurrence.js";
import type { DeferredEvaluation } from "../store.js";
import { Unacknowledged } from "./unacknowledged.js";

/**
 * In-process deferred evaluations: handed out once, to readers hosting their app,
 * and again when not acknowledged within `reclaimAfterMs`.
 */
export class DeferredQueue {
  private waiting: DeferredEvaluation[] = [];
  private readonly unacked: Unacknowledged<DeferredEvaluation>;
  private readonly wakers = new Set<() => void>();
  private sequence = 0;

  constructor(reclaimAfterMs: number) {
    this.unacked = new Unacknowledged(reclaimAfterMs);
  }

  append(appId: string, triggerId: string, occurrence: Occurrence): void {
    this.waiting.push({ ref: String(++this.sequence), appId, triggerId, occurrence });
    for (const wake of [...this.wakers]) wake();
  }

  async read(
    appIds: readonly string[],
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const wanted = new Set(appIds);
    const reclaimed = this.unacked.reclaim(max, (item) => wanted.has(item.appId));
    if (reclaimed.length > 0) return reclaimed;
    const take = () => {
      const taken: DeferredEvaluation[] = [];
      this.waiting = this.waiting.filter((item) => {
        if (taken.length >= max || !wanted.has(item.appId)) return true;
        taken.push(item);
        return false;
      });
      for (const item of taken) this.unacked.hold(item.ref, item);
      return taken;
    };
    const first = take();
    if (first.length > 0 || waitMs <= 0 || signal.aborted) return first;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.wakers.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
    return take();
  }

  ack(items: readonly DeferredEvaluation[]): void {
    for (const item of items) this.unacked.ack(item.ref);
  }

  get backlog(): number {
    return this.waiting.length + this.unacked.size;
  }
}
