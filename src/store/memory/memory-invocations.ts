import {
  type Assignment,
  type AttemptRecord,
  canTransition,
  type Invocation,
  type InvocationStatus,
  isFinalStatus,
  type NewInvocation,
} from "../../domain/invocation.js";
import { getOrCreate } from "../../domain/maps.js";
import { statusOccurrenceId } from "../../domain/occurrence.js";
import { ACTIVITY_KEPT_MS, type ActivityBucket, activityBucket, activityBuckets } from "../activity.js";
import { decodePageToken, encodePageToken, itemBytes, PageBudget } from "../paging.js";
import type { RetentionOptions } from "../retention.js";
import type {
  AttemptOutcome,
  Created,
  FinishOptions,
  FireResult,
  Firing,
  HeldAssignment,
  InvocationQuery,
  LiveWorker,
  Page,
  StatusWatch,
  StoreNotice,
  WorkerProfile,
  WorkerRef,
  WorkStore,
} from "../store.js";
import { Fifo } from "./fifo.js";
import { pruneMarkers } from "./markers.js";
import type { MemoryHistory } from "./memory-history.js";
import type { MemoryRegistry } from "./memory-registry.js";
import type { MemoryOccurrenceLog } from "./occurrence-log.js";
import { SequencedList } from "./sequenced-list.js";

/** A memory page token's position: a sequence number. */
const SEQ = /^(\d{1,15})$/;

/** What {@link MemoryInvocations} shares with the other roles of the memory store. */
export interface MemoryInvocationsDeps {
  log: MemoryOccurrenceLog;
  events: MemoryHistory;
  /** Whether a firing's trigger still exists and is not paused. */
  registry: MemoryRegistry;
  retention: RetentionOptions;
  /** The transitions to log as occurrences (see Store.watchStatuses). */
  watch: StatusWatch;
  notify: (notice: StoreNotice) => void;
}

/**
 * Invocations and their work queues in memory (the work role): creation (idempotent, once per
 * firing key), assignment to workers, the lifecycle transitions with their
 * occurrences, leases, retries and the retention of finished invocations.
 */
export class MemoryInvocations implements WorkStore {
  private readonly invocations = new Map<string, Invocation>();
  private readonly allInvocations = new SequencedList();
  private readonly invocationsByTask = new Map<string, SequencedList>();
  /** Idempotency key → the invocation it created (while kept) and when, for the marker retention. */
  private readonly invocationKeys = new Map<string, { invocationId: string; at: number }>();
  private readonly invocationKeyOf = new Map<string, string>();
  private readonly firings = new Map<string, { invocationId: string; at: number }>();
  private finishedCount = 0;
  /** Bucket start → final statuses in it (see activity.ts). */
  private readonly activityBuckets = new Map<number, { succeeded: number; failed: number }>();
  private unfinished = 0;

  private readonly ready = new Map<string, Fifo<string>>();
  private delayed: Array<{ at: number; invocationId: string }> = [];
  private readonly assignments = new Map<string, string>();
  private readonly workerAssignments = new Map<string, Set<string>>();
  private readonly workerLeases = new Map<string, number>();
  /** Worker id → session id of its current connection (see WorkStore.connectWorker). */
  private readonly workerSessions = new Map<string, string>();
  /** Worker id → what it said of itself when it connected (see WorkStore.liveWorkers). */
  private readonly workerProfiles = new Map<string, WorkerProfile>();
  /** Invocation id → its ended attempts, oldest first. */
  private readonly attemptRecords = new Map<string, AttemptRecord[]>();
  /** Invocation id → how often its worker lost it (see Assignment.lost). */
  private readonly losses = new Map<string, number>();

  private readonly log: MemoryOccurrenceLog;
  private readonly events: MemoryHistory;
  private readonly registry: MemoryRegistry;
  private readonly retention: RetentionOptions;
  private readonly watch: StatusWatch;
  private readonly notify: (notice: StoreNotice) => void;

  constructor(deps: MemoryInvocationsDeps) {
    ({
      log: this.log,
      events: this.events,
      registry: this.registry,
      retention: this.retention,
      watch: this.watch,
      notify: this.notify,
    } = deps);
  }

  /** Invocations not yet final. */
  get activeCount(): number {
    return this.unfinished;
  }

  async createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; assignTo?: WorkerRef } = {},
  ): Promise<Created> {
    // Unlike a firing key, an idempotency key answers only with its invocation: once
    // retention dropped that (or the key is older than the marker retention), a
    // repeat creates a new one, as on Redis.
    const key = options.idempotencyKey;
    const first = key ? this.invocationKeys.get(key) : undefined;
    const fresh = first && first.at >= input.createdAt - this.retention.markerRetentionMs;
    const existing = fresh ? this.invocations.get(first.invocationId) : undefined;
    if (existing) return { invocation: copy(existing), created: false };
    const created = this.insertInvocation(input, options.assignTo);
    if (key) {
      if (first) this.invocationKeyOf.delete(first.invocationId);
      this.invocationKeys.set(key, { invocationId: input.id, at: input.createdAt });
      this.invocationKeyOf.set(input.id, key);
    }
    return created;
  }

  /** Checked in the same synchronous step as the creation: atomic with the trigger's state. */
  async fire(firing: Firing, assignTo?: WorkerRef): Promise<FireResult> {
    return this.fireNow(firing, assignTo);
  }

  /** fire in the caller's synchronous step (a cron claim fires with it, see MemoryTriggerState.fireCron). */
  fireNow(firing: Firing, assignTo?: WorkerRef): FireResult {
    const repeat = this.firedBefore(firing.firingKey);
    if (repeat) return repeat;
    const skip = this.registry.skipReason(firing.triggerId);
    if (skip) return { outcome: "skipped", reason: skip };
    return this.insertFiring(firing, assignTo);
  }

  /** The answer to a repeated firing key: the key alone decides, whether its invocation is kept or not. */
  private firedBefore(firingKey: string): FireResult | undefined {
    const previous = this.firings.get(firingKey);
    if (!previous) return undefined;
    const { invocationId } = previous;
    return { outcome: "deduplicated", invocationId, invocationKept: this.invocations.has(invocationId) };
  }

  private insertFiring(firing: Firing, assignTo: WorkerRef | undefined): FireResult {
    const { invocation, assignment } = this.insertInvocation(firing.invocation, assignTo);
    this.firings.set(firing.firingKey, {
      invocationId: firing.invocation.id,
      at: firing.invocation.createdAt,
    });
    pruneMarkers(this.firings, firing.invocation.createdAt, this.retention.markerRetentionMs);
    for (const eventId of firing.eventIds) this.events.addInvocation(eventId, firing.invocation.id);
    return assignment ? { outcome: "fired", invocation, assignment } : { outcome: "fired", invocation };
  }

  private insertInvocation(input: NewInvocation, assignTo: WorkerRef | undefined): Created {
    // Every field present from the start and never deleted: records keep one shape,
    // which keeps property access and copies fast.
    const invocation: Invocation = {
      id: input.id,
      taskId: input.taskId,
      appId: input.appId,
      status: "REGISTERED",
      arguments: input.arguments,
      result: undefined,
      error: undefined,
      attempt: 1,
      provenance: input.provenance,
      assignment: undefined,
      retryAt: undefined,
      version: 1,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      traceparent: input.traceparent,
    };
    this.invocations.set(invocation.id, invocation);
    this.unfinished++;
    this.allInvocations.add(invocation.id);
    getOrCreate(this.invocationsByTask, invocation.taskId, () => new SequencedList()).add(invocation.id);
    this.logTransition(invocation);
    this.notify({ type: "invocation", invocationId: invocation.id, status: invocation.status });
    if (!assignTo || !this.isCurrent(assignTo)) {
      this.enqueue(invocation.taskId, invocation.id);
      return { invocation: copy(invocation), created: true };
    }
    const assignment = this.assign(invocation, assignTo.workerId, invocation.createdAt);
    return { invocation: copy(invocation), created: true, assignment };
  }

  async getInvocation(invocationId: string): Promise<Invocation | undefined> {
    const invocation = this.invocations.get(invocationId);
    return invocation && copy(invocation);
  }

  async attempts(invocationId: string): Promise<AttemptRecord[]> {
    return (this.attemptRecords.get(invocationId) ?? []).map((record) => ({ ...record }));
  }

  async listInvocations(query: InvocationQuery): Promise<Page<Invocation>> {
    const before = query.pageToken ? Number(decodePageToken(query.pageToken, "mi", SEQ)[1]) : undefined;
    const list = query.taskId ? this.invocationsByTask.get(query.taskId) : this.allInvocations;
    if (!list) return { items: [] };
    const budget = new PageBudget(query.limit, query.maxBytes);
    const { ids, next } = list.pageNewestFirst(budget, before, (id) => {
      const invocation = this.invocations.get(id);
      if (!invocation) return undefined;
      if (query.status && invocation.status !== query.status) return undefined;
      if (query.triggerId && invocation.provenance?.triggerId !== query.triggerId) return undefined;
      return invocationBytes(invocation);
    });
    const items = ids.map((id) => copy(this.invocations.get(id) as Invocation));
    return next === undefined ? { items } : { items, nextPageToken: encodePageToken("mi", String(next)) };
  }

  async claimWork(
    worker: WorkerRef,
    taskIds: readonly string[],
    max: number,
    now: number,
  ): Promise<Assignment[]> {
    const claimed: Assignment[] = [];
    if (!this.isCurrent(worker)) return claimed;
    while (claimed.length < max) {
      const queue = this.oldestReadyQueue(taskIds);
      if (!queue) break;
      const invocation = this.invocations.get(queue.shift() as string);
      if (!invocation || (invocation.status !== "REGISTERED" && invocation.status !== "RETRY")) continue;
      claimed.push(this.assign(invocation, worker.workerId, now));
    }
    return claimed;
  }

  /** REGISTERED or RETRY → PENDING under a new assignment to `workerId`. */
  private assign(invocation: Invocation, workerId: string, now: number): Assignment {
    const assignmentId = `${invocation.id}/${invocation.version + 1}`;
    this.transition(invocation, "PENDING", now, (inv) => {
      inv.assignment = { assignmentId, workerId, assignedAt: now };
      if (inv.status === "RETRY") inv.attempt++;
      inv.retryAt = undefined;
    });
    this.assignments.set(assignmentId, invocation.id);
    getOrCreate(this.workerAssignments, workerId, () => new Set<string>()).add(assignmentId);
    const lost = this.losses.get(invocation.id);
    return { ...toAssignment(invocation, assignmentId), ...(lost ? { lost } : {}) };
  }

  private oldestReadyQueue(taskIds: readonly string[]): Fifo<string> | undefined {
    let best: Fifo<string> | undefined;
    let bestCreated = Number.POSITIVE_INFINITY;
    for (const taskId of taskIds) {
      const queue = this.ready.get(taskId);
      const head = queue?.peek();
      if (!queue || head === undefined) continue;
      const created = this.invocations.get(head)?.createdAt ?? Number.NEGATIVE_INFINITY;
      if (created < bestCreated) {
        best = queue;
        bestCreated = created;
      }
    }
    return best;
  }

  async getAssignment(assignmentId: string, workerId: string): Promise<HeldAssignment | undefined> {
    const invocation = this.heldBy(assignmentId, workerId);
    if (!invocation?.assignment) return undefined;
    return {
      ...toAssignment(invocation, assignmentId),
      assignedAt: invocation.assignment.assignedAt,
      started: invocation.status === "RUNNING",
    };
  }

  async markStarted(assignmentId: string, workerId: string, now: number): Promise<boolean> {
    const invocation = this.heldBy(assignmentId, workerId);
    if (invocation?.status !== "PENDING") return false;
    this.transition(invocation, "RUNNING", now, () => {});
    return true;
  }

  async finishAttempt(
    assignmentId: string,
    worker: WorkerRef,
    outcome: AttemptOutcome,
    now: number,
    { refill, startedAt }: FinishOptions = {},
  ): Promise<{ applied: boolean; claimed: Assignment[] }> {
    const applied = this.finish(assignmentId, worker.workerId, outcome, now, startedAt);
    const claimed = refill ? await this.claimWork(worker, refill.taskIds, refill.max, now) : [];
    return { applied, claimed };
  }

  private finish(
    assignmentId: string,
    workerId: string,
    outcome: AttemptOutcome,
    now: number,
    startedAt: number | undefined,
  ): boolean {
    const invocation = this.heldBy(assignmentId, workerId);
    if (!invocation) return false;
    if (startedAt !== undefined && invocation.status === "PENDING") {
      this.transition(invocation, "RUNNING", startedAt, () => {});
    }
    this.recordAttempt(invocation, outcome, now);
    this.unassign(invocation);
    this.transition(invocation, outcome.status, now, (inv) => {
      if (outcome.status === "SUCCESS") inv.result = outcome.result;
      else inv.error = outcome.error;
      if (outcome.status === "RETRY") inv.retryAt = outcome.retryAt;
    });
    if (outcome.status === "RETRY") this.delay(invocation.id, outcome.retryAt);
    if (isFinalStatus(outcome.status)) {
      this.unfinished--;
      this.countFinished();
      this.countActivity(now, outcome.status === "SUCCESS");
    }
    return true;
  }

  private recordAttempt(invocation: Invocation, outcome: AttemptOutcome, now: number): void {
    const held = invocation.assignment;
    getOrCreate(this.attemptRecords, invocation.id, (): AttemptRecord[] => []).push({
      attempt: invocation.attempt,
      workerId: held?.workerId ?? "",
      assignedAt: held?.assignedAt ?? now,
      endedAt: now,
      outcome: outcome.status,
      ...(outcome.status === "SUCCESS" ? {} : { error: outcome.error }),
    });
  }

  async connectWorker(
    worker: WorkerRef,
    held: readonly string[],
    until: number,
    now: number,
    profile?: WorkerProfile,
  ): Promise<Invocation[]> {
    this.workerSessions.set(worker.workerId, worker.sessionId);
    this.workerLeases.set(worker.workerId, until);
    if (profile) this.workerProfiles.set(worker.workerId, { ...profile, taskIds: [...profile.taskIds] });
    const keep = new Set(held);
    const stale = [...(this.workerAssignments.get(worker.workerId) ?? [])].filter((id) => !keep.has(id));
    return this.release(worker.workerId, stale, now);
  }

  async releaseWorker(
    worker: WorkerRef,
    now: number,
    only?: readonly string[],
    waiting: readonly string[] = [],
  ): Promise<Invocation[]> {
    const waited = new Set(waiting);
    if (only) return this.release(worker.workerId, only, now, waited);
    if (!this.isCurrent(worker)) return [];
    return this.forgetWorker(worker.workerId, now, waited);
  }

  async renewWorkerLease(worker: WorkerRef, until: number): Promise<boolean> {
    const current = this.workerSessions.get(worker.workerId);
    if (current !== undefined && current !== worker.sessionId) return false;
    this.workerSessions.set(worker.workerId, worker.sessionId);
    this.workerLeases.set(worker.workerId, until);
    return true;
  }

  async liveWorkers(now: number): Promise<LiveWorker[]> {
    const live: LiveWorker[] = [];
    for (const [workerId, profile] of this.workerProfiles) {
      const leaseUntil = this.workerLeases.get(workerId) ?? Number.NEGATIVE_INFINITY;
      if (leaseUntil <= now) continue;
      live.push({ ...profile, workerId, leaseUntil, held: this.workerAssignments.get(workerId)?.size ?? 0 });
    }
    return live;
  }

  async queueDepths(): Promise<Map<string, number>> {
    const depths = new Map<string, number>();
    for (const [taskId, queue] of this.ready) if (queue.length > 0) depths.set(taskId, queue.length);
    return depths;
  }

  async releaseExpiredWorkers(now: number): Promise<Invocation[]> {
    const released: Invocation[] = [];
    for (const [workerId, until] of [...this.workerLeases]) {
      if (until < now) released.push(...this.forgetWorker(workerId, now));
    }
    return released;
  }

  /** Releases everything the worker holds and forgets its lease and connection. */
  private forgetWorker(workerId: string, now: number, waited?: ReadonlySet<string>): Invocation[] {
    this.workerLeases.delete(workerId);
    this.workerSessions.delete(workerId);
    this.workerProfiles.delete(workerId);
    const released = this.release(workerId, [...(this.workerAssignments.get(workerId) ?? [])], now, waited);
    this.workerAssignments.delete(workerId);
    return released;
  }

  /**
   * Puts the listed assignments of the worker back at the front of their queues
   * (newest first), counting a loss for each not in `waited` (see WorkStore.releaseWorker).
   */
  private release(
    workerId: string,
    assignmentIds: readonly string[],
    now: number,
    waited?: ReadonlySet<string>,
  ): Invocation[] {
    const released: Invocation[] = [];
    for (const assignmentId of [...assignmentIds].reverse()) {
      const invocation = this.heldBy(assignmentId, workerId);
      if (!invocation) continue;
      this.unassign(invocation);
      if (!waited?.has(assignmentId))
        this.losses.set(invocation.id, (this.losses.get(invocation.id) ?? 0) + 1);
      this.transition(invocation, "REGISTERED", now, () => {});
      this.enqueue(invocation.taskId, invocation.id, true);
      released.push(copy(invocation));
    }
    return released;
  }

  private isCurrent(worker: WorkerRef): boolean {
    return this.workerSessions.get(worker.workerId) === worker.sessionId;
  }

  async announceDueRetries(now: number): Promise<void> {
    while (this.delayed.length > 0 && (this.delayed[0] as { at: number }).at <= now) {
      const { invocationId } = this.delayed.shift() as { invocationId: string };
      const invocation = this.invocations.get(invocationId);
      if (invocation?.status === "RETRY") this.enqueue(invocation.taskId, invocation.id);
    }
  }

  /** The invocation held under `assignmentId`, if that is its current assignment and `workerId` holds it. */
  private heldBy(assignmentId: string, workerId: string): Invocation | undefined {
    const invocationId = this.assignments.get(assignmentId);
    const invocation = invocationId ? this.invocations.get(invocationId) : undefined;
    const ref = invocation?.assignment;
    return ref?.assignmentId === assignmentId && ref.workerId === workerId ? invocation : undefined;
  }

  private unassign(invocation: Invocation): void {
    const ref = invocation.assignment;
    if (!ref) return;
    this.assignments.delete(ref.assignmentId);
    this.workerAssignments.get(ref.workerId)?.delete(ref.assignmentId);
    invocation.assignment = undefined;
  }

  private enqueue(taskId: string, invocationId: string, front = false): void {
    const queue = getOrCreate(this.ready, taskId, () => new Fifo<string>());
    if (front) queue.unshift(invocationId);
    else queue.push(invocationId);
    this.notify({ type: "work", taskId });
  }

  private delay(invocationId: string, at: number): void {
    let index = this.delayed.length;
    while (index > 0 && (this.delayed[index - 1] as { at: number }).at > at) index--;
    this.delayed.splice(index, 0, { at, invocationId });
  }

  private transition(
    invocation: Invocation,
    to: InvocationStatus,
    now: number,
    apply: (invocation: Invocation) => void,
  ): void {
    if (!canTransition(invocation.status, to)) {
      throw new Error(`invalid transition ${invocation.status} → ${to} of ${invocation.id}`);
    }
    apply(invocation);
    invocation.status = to;
    invocation.version++;
    invocation.updatedAt = now;
    this.logTransition(invocation);
    this.notify({ type: "invocation", invocationId: invocation.id, status: to });
  }

  private logTransition(invocation: Invocation): void {
    if (!this.watch.watches(invocation.taskId, invocation.status)) return;
    this.log.append([
      {
        kind: "status",
        id: statusOccurrenceId(invocation.id, invocation.version),
        at: invocation.updatedAt,
        invocationId: invocation.id,
        taskId: invocation.taskId,
        status: invocation.status,
        arguments: invocation.arguments,
        ...(invocation.result === undefined ? {} : { result: invocation.result }),
        ...(invocation.error === undefined ? {} : { error: invocation.error }),
        attempt: invocation.attempt,
        ...(invocation.traceparent === undefined ? {} : { traceparent: invocation.traceparent }),
      },
    ]);
  }

  async activity(since: number, until: number): Promise<ActivityBucket[]> {
    return activityBuckets(since, until).map((start) => ({
      start,
      ...(this.activityBuckets.get(start) ?? { succeeded: 0, failed: 0 }),
    }));
  }

  private countActivity(now: number, succeeded: boolean): void {
    const start = activityBucket(now);
    let bucket = this.activityBuckets.get(start);
    if (!bucket) {
      bucket = { succeeded: 0, failed: 0 };
      this.activityBuckets.set(start, bucket);
      // A new bucket every ACTIVITY_BUCKET_MS at most: drop those past the kept span then.
      for (const old of this.activityBuckets.keys())
        if (old < start - ACTIVITY_KEPT_MS) this.activityBuckets.delete(old);
    }
    if (succeeded) bucket.succeeded++;
    else bucket.failed++;
  }

  /** Drops the oldest finished invocations beyond the retention limit. */
  private countFinished(): void {
    this.finishedCount++;
    const limit = this.retention.maxFinishedInvocations;
    if (this.finishedCount <= limit * 1.1) return;
    let excess = this.finishedCount - limit;
    const drop = new Set<string>();
    for (const id of this.allInvocations.oldestFirst()) {
      if (excess === 0) break;
      const invocation = this.invocations.get(id);
      if (invocation && isFinalStatus(invocation.status)) {
        drop.add(id);
        excess--;
      }
    }
    for (const id of drop) {
      const invocation = this.invocations.get(id) as Invocation;
      this.invocations.delete(id);
      this.losses.delete(id);
      this.attemptRecords.delete(id);
      const key = this.invocationKeyOf.get(id);
      if (key && this.invocationKeys.get(key)?.invocationId === id) this.invocationKeys.delete(key);
      this.invocationKeyOf.delete(id);
      this.invocationsByTask.get(invocation.taskId)?.removeAll(drop);
    }
    this.allInvocations.removeAll(drop);
    this.finishedCount -= drop.size;
  }
}

function toAssignment(invocation: Invocation, assignmentId: string): Assignment {
  return {
    assignmentId,
    invocationId: invocation.id,
    taskId: invocation.taskId,
    arguments: invocation.arguments,
    attempt: invocation.attempt,
    createdAt: invocation.createdAt,
    ...(invocation.traceparent === undefined ? {} : { traceparent: invocation.traceparent }),
  };
}

/** Callers get snapshots: the store's own records change in place. */
function copy(invocation: Invocation): Invocation {
  return invocation.assignment
    ? { ...invocation, assignment: { ...invocation.assignment } }
    : { ...invocation };
}

/** An invocation's size as a page counts it: its JSON-valued fields as the Redis store keeps them. */
function invocationBytes(invocation: Invocation): number {
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  return itemBytes([
    json(invocation.arguments),
    json(invocation.result),
    json(invocation.error),
    json(invocation.provenance),
  ]);
}
