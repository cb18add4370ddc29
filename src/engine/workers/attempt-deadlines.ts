import type { Assignment } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import { decideRetry, type Task, timeoutError } from "../../domain/task.js";
import type { AttemptOutcome, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { TaskRegistry } from "../registry/task-registry.js";
import type { EngineTelemetry } from "../telemetry.js";
import type { StartRecorder } from "./start-recorder.js";
import type { AbortReason, SessionDeadlines, WorkerSession } from "./worker-session.js";

export interface AttemptDeadlinesDeps {
  store: Pick<Store, "work">;
  tasks: TaskRegistry;
  clock: Clock;
  logger: Logger;
  /** The stream's start recorder: a timed-out attempt's start is written with its failure. */
  starts: StartRecorder;
  /** A retry was scheduled for `time`: wake the queue then. */
  onRetryScheduled(time: number): void;
  telemetry: EngineTelemetry;
  /** Deliveries not reported started for this long are taken back (the worker lease). */
  leaseMs: number;
}

/**
 * Keeps the deadlines of one worker stream's attempts:
 * - a task's `timeoutMs`: a timer per attempt on the injected clock, from the
 *   attempt's delivery, or, for a worker that prefetches (holds assignments beyond
 *   its concurrency until a slot frees), from the start it reports: waiting for a
 *   slot is not running. At the deadline the attempt fails with TimeoutError, and
 *   the task's retry policy decides between RETRY and the final FAILED, as for an
 *   error the worker reports;
 * - the start lease: an assignment whose start the worker has not reported one lease
 *   after delivery goes back to the queue (checked by the maintenance sweep), however
 *   well the worker heartbeats. No attempt is counted: it never ran. A prefetching
 *   worker's assignment waits legitimately while every slot runs an attempt: the
 *   lease counts only while a slot is free, from delivery or from the last time a
 *   slot freed, whichever is later (the worker starts held work as a slot frees).
 * Either way the worker is told to abort the assignment, and its credit stays used
 * until the worker reports the attempt ended (WorkerSession.revoked), so a task that
 * ignores the abort earns its worker no new work in that slot. The store applies
 * each at most once however many replicas try: it ends or releases an attempt only
 * while this worker still holds that very assignment (a result that arrives first
 * wins, and the deadline then changes nothing).
 */
export class AttemptDeadlines implements SessionDeadlines {
  private readonly timers = new Map<string, () => void>();
  /** Delivered and not yet reported started: when, and the invocation (what a release reports). */
  private readonly unstarted = new Map<string, { at: number; invocationId: string }>();
  /** When an attempt of this stream last ended (a prefetching worker then starts what it holds). */
  private slotFreedAt = Number.NEGATIVE_INFINITY;
  /** The tasks of the assignments taken over from an earlier stream (see adopt). */
  private readonly adoptedTasks = new Map<string, string>();

  constructor(
    private readonly session: WorkerSession,
    private readonly deps: AttemptDeadlinesDeps,
  ) {}

  delivered(assignment: Assignment): void {
    const now = this.deps.clock.now();
    this.unstarted.set(assignment.assignmentId, { at: now, invocationId: assignment.invocationId });
    if (!this.prefetching) this.scheduleTimeout(assignment, now);
  }

  /** The worker holds work beyond its concurrency: timeouts count from reported starts. */
  private get prefetching(): boolean {
    return this.session.prefetch > 0;
  }

  /**
   * Takes over the deadlines of the assignments a reconnecting worker still runs,
   * counted from their first delivery (a reconnect extends nothing).
   */
  async adopt(assignmentIds: readonly string[]): Promise<void> {
    for (const id of assignmentIds) {
      const held = await this.deps.store.work.getAssignment(id, this.session.workerId);
      if (!held || this.session.closed || !this.session.held.has(id)) continue;
      this.adoptedTasks.set(id, held.taskId);
      if (!held.started) this.unstarted.set(id, { at: held.assignedAt, invocationId: held.invocationId });
      this.scheduleTimeout(held, held.assignedAt);
    }
  }

  /** The worker reported the start: the start lease no longer applies (a prefetching worker's timeout starts). */
  started(assignmentId: string): void {
    if (!this.unstarted.delete(assignmentId) || !this.prefetching) return;
    const assignment = this.session.assignments.get(assignmentId);
    if (assignment) this.scheduleTimeout(assignment, this.deps.clock.now());
  }

  /** The task of an assignment this stream holds, delivered or adopted (unknown while adopt reads it). */
  taskOf(assignmentId: string): string | undefined {
    return this.session.assignments.get(assignmentId)?.taskId ?? this.adoptedTasks.get(assignmentId);
  }

  /** The worker reported the attempt ended: no deadline any more. */
  ended(assignmentId: string): void {
    this.adoptedTasks.delete(assignmentId);
    if (!this.unstarted.delete(assignmentId)) this.slotFreedAt = this.deps.clock.now();
    this.cancelTimeout(assignmentId);
  }

  private cancelTimeout(assignmentId: string): void {
    this.timers.get(assignmentId)?.();
    this.timers.delete(assignmentId);
  }

  /**
   * The assignments a prefetching worker holds waiting for a slot: its unstarted
   * ones beyond its free slots (those it should have started: the oldest, which it
   * starts first). Empty for a worker that does not prefetch.
   */
  waitingForSlot(): string[] {
    if (!this.prefetching) return [];
    const free = Math.max(0, this.session.concurrency - this.session.running(this.unstarted.size));
    return [...this.unstarted.entries()]
      .sort(([, a], [, b]) => a.at - b.at)
      .slice(free)
      .map(([id]) => id);
  }

  /** The stream ended: its assignments were released, nothing to watch. */
  clear(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.unstarted.clear();
  }

  async sweep(now: number): Promise<void> {
    if (this.session.closed || this.unstarted.size === 0) return;
    // Every slot busy: what a prefetching worker holds waits for one (see the class comment).
    if (this.session.running(this.unstarted.size) >= this.session.concurrency) return;
    const since = this.prefetching ? this.slotFreedAt : Number.NEGATIVE_INFINITY;
    const overdue = new Map<string, string>();
    for (const [id, { at, invocationId }] of this.unstarted) {
      if (now - Math.max(at, since) >= this.deps.leaseMs) overdue.set(id, invocationId);
    }
    if (overdue.size === 0) return;
    for (const id of overdue.keys()) this.unstarted.delete(id);
    const { store, logger } = this.deps;
    const released = await store.work.releaseWorker(this.session.ref, now, [...overdue.keys()]);
    const releasedIds = new Set(released.map((invocation) => invocation.id));
    let count = 0;
    for (const [id, invocationId] of overdue) {
      if (!releasedIds.has(invocationId)) continue;
      count++;
      this.cancelTimeout(id);
      this.revoke(id, "not-started", `the worker did not report it started within ${this.deps.leaseMs} ms`);
    }
    if (count > 0) {
      logger.warn("took back work a worker did not start within its lease", {
        workerId: this.session.workerId,
        count,
        leaseMs: this.deps.leaseMs,
      });
    }
  }

  private scheduleTimeout(assignment: Assignment, from: number): void {
    const task = this.deps.tasks.cached(assignment.taskId);
    if (task) this.scheduleFor(task, assignment, from);
    else {
      // Not cached (a registry reload under way): the store has it.
      void this.deps.tasks.get(assignment.taskId).then((found) => {
        if (found) this.scheduleFor(found, assignment, from);
      });
    }
  }

  private scheduleFor(task: Task, assignment: Assignment, from: number): void {
    const timeoutMs = task.timeoutMs;
    const id = assignment.assignmentId;
    if (!timeoutMs || !this.holds(id)) return;
    this.timers.get(id)?.();
    const cancel = this.deps.clock.schedule(from + timeoutMs - this.deps.clock.now(), () => {
      this.timers.delete(id);
      this.timeOut(task, timeoutMs, assignment).catch((error: unknown) =>
        this.deps.logger.error("timing out an attempt failed", { assignmentId: id, error: String(error) }),
      );
    });
    this.timers.set(id, cancel);
  }

  private async timeOut(task: Task, timeoutMs: number, assignment: Assignment): Promise<void> {
    const id = assignment.assignmentId;
    if (!this.holds(id)) return;
    const { store, clock, starts, logger } = this.deps;
    const error = timeoutError(task.id, assignment.attempt, timeoutMs);
    const decision = decideRetry(task.retry, assignment.attempt, error);
    const now = clock.now();
    const outcome: AttemptOutcome = decision.retry
      ? { status: "RETRY", error, retryAt: now + decision.delayMs }
      : { status: "FAILED", error };
    const startedAt = await starts.take(id);
    const options = startedAt === undefined ? {} : { startedAt };
    const { applied } = await store.work.finishAttempt(id, this.session.ref, outcome, now, options);
    // Not applied: the worker's result came first (or the work went elsewhere).
    if (!applied) return;
    this.unstarted.delete(id);
    if (outcome.status === "RETRY") this.deps.onRetryScheduled(outcome.retryAt);
    else this.deps.telemetry.invocationFinished(task.id, outcome.status);
    logger.warn("an attempt timed out", {
      workerId: this.session.workerId,
      assignmentId: id,
      taskId: task.id,
      attempt: assignment.attempt,
      timeoutMs,
      next: outcome.status,
    });
    this.revoke(id, "timeout", error.message);
  }

  private holds(assignmentId: string): boolean {
    return this.session.assignments.has(assignmentId) || this.session.held.has(assignmentId);
  }

  private revoke(assignmentId: string, reason: AbortReason, message: string): void {
    if (this.session.revoke(assignmentId) && !this.session.closed) {
      this.session.channel.abort(assignmentId, reason, message);
    }
  }
}
