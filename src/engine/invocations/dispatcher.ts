import type { Assignment } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Created, Refill, Store, WorkerRef } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { WorkerSession } from "../workers/worker-session.js";

/** Credit set aside on one worker; deliver the assignment or cancel, exactly once. */
export interface Reservation {
  readonly worker: WorkerRef;
  deliver(assignment: Assignment): void;
  cancel(): void;
}

/** What {@link Dispatcher} needs: one dependencies object. */
export interface DispatcherDeps {
  store: Pick<Store, "work">;
  clock: Clock;
  logger: Logger;
}

/**
 * Hands queued invocations to connected workers within their credit. It claims work
 * when work is announced for a task a worker runs, when a worker frees capacity, and
 * on a periodic sweep (a safety net for notices lost between replicas).
 */
export class Dispatcher {
  private readonly sessions = new Map<string, WorkerSession>();
  private readonly byTask = new Map<string, Set<WorkerSession>>();
  private readonly pumping = new Set<WorkerSession>();
  private readonly pumpAgain = new Set<WorkerSession>();
  private stopped = false;
  private rotation = 0;
  /**
   * Tasks whose queue may hold work: a refill (the claim made with a result) asks
   * only for these, so that a result costs no claim while work goes straight to
   * workers. A task enters on a work notice (its queue went from empty to not) and
   * when a worker of it connects; it leaves when a claim for it came back short
   * with no notice meanwhile. The sweep claims for every task anyway, so a lost
   * notice only delays work until then.
   */
  private readonly maybeQueued = new Set<string>();
  /** Work notices per task: a claim that came back short clears its tasks only if none came meanwhile. */
  private readonly notices = new Map<string, number>();

  private readonly store: Pick<Store, "work">;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: DispatcherDeps) {
    ({ store: this.store, clock: this.clock, logger: this.logger } = deps);
  }

  /** Adds a session; returns the session it replaced (same worker id), if any. */
  add(session: WorkerSession): WorkerSession | undefined {
    const previous = this.sessions.get(session.workerId);
    if (previous) this.remove(previous);
    this.sessions.set(session.workerId, session);
    for (const taskId of session.taskIds) {
      getOrCreate(this.byTask, taskId, () => new Set<WorkerSession>()).add(session);
      this.maybeQueued.add(taskId);
    }
    this.pump(session);
    return previous;
  }

  /** Removes a session; false when it was already replaced or removed. */
  remove(session: WorkerSession): boolean {
    session.state = "closed";
    for (const taskId of session.taskIds) this.byTask.get(taskId)?.delete(session);
    if (this.sessions.get(session.workerId) !== session) return false;
    this.sessions.delete(session.workerId);
    return true;
  }

  all(): IterableIterator<WorkerSession> {
    return this.sessions.values();
  }

  /**
   * Work became claimable for `taskId`. A session whose claim is under way has its
   * credit set aside (no free credit) and may have read the queue before this work
   * arrived: it claims again once that claim ends, or the work would wait for the
   * sweep (or, on a test's fake clock, for ever).
   */
  onWork(taskId: string): void {
    this.maybeQueued.add(taskId);
    this.notices.set(taskId, (this.notices.get(taskId) ?? 0) + 1);
    for (const session of this.byTask.get(taskId) ?? []) {
      if (session.free > 0 || this.pumping.has(session)) this.pump(session);
    }
  }

  /** Claims for every session with free credit (notices may have been lost: every task may have work). */
  pumpAll(): void {
    for (const taskId of this.byTask.keys()) this.maybeQueued.add(taskId);
    for (const session of this.sessions.values()) if (session.free > 0) this.pump(session);
  }

  /**
   * Sets one credit aside on a worker of `taskId` that has some free, so that a new
   * invocation can be created already assigned to it (one store step instead of
   * queue, notice and claim). Undefined when no worker here has free credit.
   */
  reserve(taskId: string): Reservation | undefined {
    if (this.stopped) return undefined;
    const session = this.nextWithCredit(taskId);
    if (!session) return undefined;
    session.reserved++;
    return new SessionReservation(session, this);
  }

  /** A reservation was delivered to a stream that has ended meanwhile: the work goes back. */
  releaseLate(session: WorkerSession, assignment: Assignment): void {
    void this.store.work.releaseWorker(session.ref, this.clock.now(), [assignment.assignmentId]);
  }

  /** Round robin over the workers of `taskId` with free credit (no copy of the set: a hot path). */
  private nextWithCredit(taskId: string): WorkerSession | undefined {
    const sessions = this.byTask.get(taskId);
    if (!sessions) return undefined;
    let candidates = 0;
    for (const session of sessions) if (session.free > 0) candidates++;
    if (candidates === 0) return undefined;
    this.rotation = (this.rotation + 1) % candidates;
    let index = 0;
    for (const session of sessions) if (session.free > 0 && index++ === this.rotation) return session;
    return undefined;
  }

  /**
   * Creates an invocation of `taskId` through `create`, straight onto a worker with
   * free credit when there is one (see reserve), and hands over the assignment.
   */
  async createAssigned<T>(
    taskId: string,
    create: (assignTo?: WorkerRef) => Promise<T & Pick<Created, "assignment">>,
  ): Promise<T> {
    const reservation = this.reserve(taskId);
    try {
      const created = await create(reservation?.worker);
      if (created.assignment) reservation?.deliver(created.assignment);
      else reservation?.cancel();
      return created;
    } catch (error) {
      reservation?.cancel();
      throw error;
    }
  }

  /** No more claims; in-flight work finishes. */
  stop(): void {
    this.stopped = true;
  }

  pump(session: WorkerSession): void {
    if (this.stopped || session.closed) return;
    if (this.pumping.has(session)) {
      this.pumpAgain.add(session);
      return;
    }
    this.pumping.add(session);
    this.claimFor(session)
      .catch((error: unknown) =>
        this.logger.error("claiming work failed", { workerId: session.workerId, error: String(error) }),
      )
      .finally(() => this.pumping.delete(session));
  }

  /**
   * Ends an attempt through `finish` and, unless a claim for this worker is under
   * way, lets the same store step claim work for the credit it freed.
   */
  async finishAndRefill(
    session: WorkerSession,
    finish: (refill?: Refill) => Promise<{ applied: boolean; claimed: Assignment[] }>,
  ): Promise<boolean> {
    const max = session.free;
    const taskIds = session.taskIds.filter((taskId) => this.maybeQueued.has(taskId));
    const refilling = !this.stopped && max > 0 && taskIds.length > 0 && !this.pumping.has(session);
    if (!refilling) {
      const { applied } = await finish();
      if (taskIds.length > 0 || this.pumpAgain.has(session)) this.pump(session);
      return applied;
    }
    this.pumping.add(session);
    session.reserved += max;
    const noticed = this.noticeCounts(taskIds);
    try {
      let result: { applied: boolean; claimed: Assignment[] };
      try {
        result = await finish({ taskIds, max });
      } finally {
        session.reserved -= max;
      }
      if (result.claimed.length < max) this.drained(taskIds, noticed);
      await this.deliver(session, result.claimed);
      return result.applied;
    } finally {
      this.pumping.delete(session);
      if (this.pumpAgain.has(session)) this.pump(session);
    }
  }

  private async claimFor(session: WorkerSession): Promise<void> {
    do {
      this.pumpAgain.delete(session);
      while (!this.stopped && session.free > 0) {
        const max = session.free;
        // Credit being claimed for is set aside, so reserve() cannot promise it too.
        session.reserved += max;
        const noticed = this.noticeCounts(session.taskIds);
        let claimed: Assignment[];
        try {
          claimed = await this.store.work.claimWork(session.ref, session.taskIds, max, this.clock.now());
        } finally {
          session.reserved -= max;
        }
        if (claimed.length < max) this.drained(session.taskIds, noticed);
        if (!(await this.deliver(session, claimed))) return;
        if (claimed.length < max) break;
      }
    } while (this.pumpAgain.has(session) && !session.closed);
  }

  private noticeCounts(taskIds: readonly string[]): number[] {
    return taskIds.map((taskId) => this.notices.get(taskId) ?? 0);
  }

  /** A claim for `taskIds` came back short: their queues are empty, unless a notice came since it started. */
  private drained(taskIds: readonly string[], noticed: readonly number[]): void {
    taskIds.forEach((taskId, i) => {
      if ((this.notices.get(taskId) ?? 0) === noticed[i]) this.maybeQueued.delete(taskId);
    });
  }

  /** Hands claimed work to the worker; false when its stream ended meanwhile (the work goes back). */
  private async deliver(session: WorkerSession, claimed: readonly Assignment[]): Promise<boolean> {
    if (session.closed) {
      const ids = claimed.map((assignment) => assignment.assignmentId);
      if (ids.length > 0) await this.store.work.releaseWorker(session.ref, this.clock.now(), ids);
      return false;
    }
    for (const assignment of claimed) session.deliver(assignment);
    return true;
  }
}

/**
 * One credit set aside on a session (see Dispatcher.reserve). A class rather than
 * closures: one is made per invocation.
 */
class SessionReservation implements Reservation {
  private settled = false;

  constructor(
    private readonly session: WorkerSession,
    private readonly dispatcher: Dispatcher,
  ) {}

  get worker(): WorkerRef {
    return this.session.ref;
  }

  deliver(assignment: Assignment): void {
    if (!this.settle()) return;
    if (this.session.closed) this.dispatcher.releaseLate(this.session, assignment);
    else this.session.deliver(assignment);
  }

  cancel(): void {
    if (this.settle() && this.session.free > 0) this.dispatcher.pump(this.session);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.session.reserved--;
    return true;
  }
}
