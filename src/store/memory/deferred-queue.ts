import type { Evaluation } from "../../domain/evaluation.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { DeferredEvaluation, DeferredEvaluations } from "../store.js";
import type { MemoryHistory } from "./memory-history.js";
import { Unacked } from "./unacked.js";
import { waitForWake } from "./wake.js";

/**
 * In-process deferred evaluations (the deferred role): handed out once, to
 * replicas hosting their app (again when an evaluation failed, or its replica
 * was retired).
 */
export class DeferredQueue implements DeferredEvaluations {
  private waiting: DeferredEvaluation[] = [];
  private readonly unacked: Unacked<DeferredEvaluation>;
  private readonly wakers = new Set<() => void>();
  private sequence = 0;

  constructor(
    reclaimAfterMs: number,
    private readonly history: MemoryHistory,
  ) {
    this.unacked = new Unacked(reclaimAfterMs);
  }

  async deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    this.waiting.push({ ref: String(++this.sequence), appId, triggerId, occurrence, deliveries: 1 });
    this.wake();
  }

  async readDeferred(
    appIds: readonly string[],
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const wanted = new Set(appIds);
    const first = this.take(wanted, replicaId, max);
    if (first.length > 0 || waitMs <= 0 || signal.aborted) return first;
    // Only an item this reader may take can end the wait early (else it would spin).
    const dueIn = this.unacked.nextDueIn(Date.now(), (item) => wanted.has(item.appId)) ?? waitMs;
    await waitForWake(this.wakers, Math.min(waitMs, dueIn), signal);
    return this.take(wanted, replicaId, max);
  }

  async settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]): Promise<void> {
    this.history.record(evaluations);
    this.unacked.settle(item.ref);
  }

  async retryDeferred(items: readonly DeferredEvaluation[]): Promise<void> {
    const now = Date.now();
    for (const item of items) this.unacked.giveBack(item.ref, now);
  }

  /** See ReplicaStore.retireReplica. */
  releaseReplica(replicaId: string): void {
    this.unacked.releaseReplica(replicaId);
    this.wake();
  }

  get backlog(): number {
    return this.waiting.length + this.unacked.size;
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private take(wanted: ReadonlySet<string>, replicaId: string, max: number): DeferredEvaluation[] {
    const taken = this.unacked.takeDue(Date.now(), max, replicaId, (item) => wanted.has(item.appId));
    this.waiting = this.waiting.filter((item) => {
      if (taken.length >= max || !wanted.has(item.appId)) return true;
      taken.push(item);
      this.unacked.hold(item, replicaId);
      return false;
    });
    return taken;
  }
}
