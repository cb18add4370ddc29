import type { Occurrence } from "../../domain/occurrence.js";
import type { LoggedOccurrence } from "../store.js";
import { Unacknowledged } from "./unacknowledged.js";

/**
 * The in-process occurrence log: a FIFO with one delivery per occurrence, waiters
 * woken the moment something is appended (no polling), and a second delivery of
 * what was read but not acknowledged within `reclaimAfterMs`.
 */
export class OccurrenceLog {
  private readonly queue: LoggedOccurrence[] = [];
  private readonly unacked: Unacknowledged<LoggedOccurrence>;
  private readonly waiters = new Set<() => void>();
  private sequence = 0;

  constructor(reclaimAfterMs: number) {
    this.unacked = new Unacknowledged(reclaimAfterMs);
  }

  append(occurrences: readonly Occurrence[]): void {
    for (const occurrence of occurrences) {
      this.queue.push({ occurrence, ref: String(++this.sequence) });
    }
    if (occurrences.length > 0) for (const wake of [...this.waiters]) wake();
  }

  async read(max: number, waitMs: number, signal: AbortSignal): Promise<LoggedOccurrence[]> {
    const reclaimed = this.unacked.reclaim(max);
    if (reclaimed.length > 0) return reclaimed;
    if (this.queue.length === 0 && waitMs > 0 && !signal.aborted) await this.waitForAppend(waitMs, signal);
    const batch = this.queue.splice(0, max);
    for (const item of batch) this.unacked.hold(item.ref, item);
    return batch;
  }

  ack(refs: readonly string[]): void {
    for (const ref of refs) this.unacked.ack(ref);
  }

  /** Occurrences appended and not yet acknowledged (for tests and shutdown). */
  get backlog(): number {
    return this.queue.length + this.unacked.size;
  }

  private waitForAppend(waitMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
