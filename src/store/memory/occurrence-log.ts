import type { Evaluation } from "../../domain/evaluation.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { LoggedOccurrence, OccurrenceLog } from "../store.js";
import type { MemoryHistory } from "./memory-history.js";
import { Unacked } from "./unacked.js";
import { waitForWake } from "./wake.js";

/**
 * The in-process occurrence log (the log role): a FIFO with one delivery per
 * occurrence (again when its evaluation failed, or its replica was retired) and
 * waiters woken the moment something is appended (no polling).
 */
export class MemoryOccurrenceLog implements OccurrenceLog {
  private readonly queue: LoggedOccurrence[] = [];
  private readonly unacked: Unacked<LoggedOccurrence>;
  private readonly waiters = new Set<() => void>();
  private sequence = 0;

  constructor(
    reclaimAfterMs: number,
    private readonly history: MemoryHistory,
  ) {
    this.unacked = new Unacked(reclaimAfterMs);
  }

  /** Appends in the caller's synchronous step (the other roles log occurrences atomically with their change). */
  append(occurrences: readonly Occurrence[]): void {
    for (const occurrence of occurrences) {
      this.queue.push({ occurrence, ref: String(++this.sequence), deliveries: 1 });
    }
    if (occurrences.length > 0) this.wake();
  }

  async appendOccurrences(occurrences: readonly Occurrence[]): Promise<void> {
    this.append(occurrences);
  }

  async readOccurrences(
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    const first = this.take(replicaId, max);
    if (first.length > 0 || waitMs <= 0 || signal.aborted) return first;
    const dueIn = this.unacked.nextDueIn(Date.now()) ?? waitMs;
    await waitForWake(this.waiters, Math.min(waitMs, dueIn), signal);
    return this.take(replicaId, max);
  }

  async settleOccurrences(
    evaluations: readonly Evaluation[],
    items: readonly LoggedOccurrence[],
  ): Promise<void> {
    this.history.record(evaluations);
    for (const item of items) this.unacked.settle(item.ref);
  }

  async retryOccurrences(items: readonly LoggedOccurrence[]): Promise<void> {
    const now = Date.now();
    for (const item of items) this.unacked.giveBack(item.ref, now);
  }

  /** In memory a read is woken the moment something is logged: nothing is handed out besides reads. */
  onHandedOut(_replicaId: string, _listener: (items: LoggedOccurrence[]) => void): () => void {
    return () => {};
  }

  /** See ReplicaStore.retireReplica. */
  releaseReplica(replicaId: string): void {
    this.unacked.releaseReplica(replicaId);
    this.wake();
  }

  /** Occurrences appended and not yet settled (for stats). */
  get backlog(): number {
    return this.queue.length + this.unacked.size;
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private take(replicaId: string, max: number): LoggedOccurrence[] {
    const batch = this.unacked.takeDue(Date.now(), max, replicaId);
    for (const item of this.queue.splice(0, max - batch.length)) {
      this.unacked.hold(item, replicaId);
      batch.push(item);
    }
    return batch;
  }
}
