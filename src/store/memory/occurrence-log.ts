import type { Occurrence } from "../../domain/occurrence.js";
import type { LoggedOccurrence } from "../store.js";
import { Unacked } from "./unacked.js";
import { waitForWake } from "./wake.js";

/**
 * The in-process occurrence log: a FIFO with one delivery per occurrence (again
 * when it stays unacknowledged for `reclaimAfterMs`) and waiters woken the moment
 * something is appended (no polling).
 */
export class OccurrenceLog {
  private readonly queue: LoggedOccurrence[] = [];
  private readonly unacked: Unacked<LoggedOccurrence>;
  private readonly waiters = new Set<() => void>();
  private sequence = 0;

  constructor(reclaimAfterMs: number) {
    this.unacked = new Unacked(reclaimAfterMs);
  }

  append(occurrences: readonly Occurrence[]): void {
    for (const occurrence of occurrences) {
      this.queue.push({ occurrence, ref: String(++this.sequence), deliveries: 1 });
    }
    if (occurrences.length > 0) for (const wake of [...this.waiters]) wake();
  }

  async read(
    consumer: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    const first = this.take(consumer, max);
    if (first.length > 0 || waitMs <= 0 || signal.aborted) return first;
    const idleIn = this.unacked.nextIdleIn(Date.now()) ?? waitMs;
    await waitForWake(this.waiters, Math.min(waitMs, idleIn), signal);
    return this.take(consumer, max);
  }

  ack(refs: readonly string[]): void {
    for (const ref of refs) this.unacked.ack(ref);
  }

  /** See Store.keepOccurrences. */
  keep(consumer: string, refs: readonly string[]): void {
    this.unacked.keep(consumer, refs, Date.now());
  }

  /** Occurrences appended and not yet acknowledged (for tests and shutdown). */
  get backlog(): number {
    return this.queue.length + this.unacked.size;
  }

  private take(consumer: string, max: number): LoggedOccurrence[] {
    const now = Date.now();
    const batch = this.unacked.takeIdle(now, max, consumer);
    for (const item of this.queue.splice(0, max - batch.length)) {
      this.unacked.hold(item, now, consumer);
      batch.push(item);
    }
    return batch;
  }
}
