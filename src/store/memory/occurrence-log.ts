import type { Occurrence } from "../../domain/occurrence.js";
import type { LoggedOccurrence } from "../store.js";

/**
 * The in-process occurrence log: a FIFO with one delivery per occurrence and
 * waiters woken the moment something is appended (no polling).
 */
export class OccurrenceLog {
  private readonly queue: LoggedOccurrence[] = [];
  private readonly unacked = new Map<string, Occurrence>();
  private readonly waiters = new Set<() => void>();
  private sequence = 0;

  append(occurrences: readonly Occurrence[]): void {
    for (const occurrence of occurrences) {
      this.queue.push({ occurrence, ref: String(++this.sequence) });
    }
    if (occurrences.length > 0) for (const wake of [...this.waiters]) wake();
  }

  async read(max: number, waitMs: number, signal: AbortSignal): Promise<LoggedOccurrence[]> {
    if (this.queue.length === 0 && waitMs > 0 && !signal.aborted) await this.waitForAppend(waitMs, signal);
    const batch = this.queue.splice(0, max);
    for (const item of batch) this.unacked.set(item.ref, item.occurrence);
    return batch;
  }

  ack(refs: readonly string[]): void {
    for (const ref of refs) this.unacked.delete(ref);
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
