import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import {
  type Assignment,
  canTransition,
  type Invocation,
  type InvocationStatus,
  isFinalStatus,
  type NewInvocation,
} from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import { getOrCreate } from "../../domain/maps.js";
import { type Occurrence, statusOccurrenceId } from "../../domain/occurrence.js";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import { DEFAULT_RETENTION, type RetentionOptions } from "../retention.js";
import type {
  AppRegistration,
  AttemptOutcome,
  Created,
  CronAdvance,
  DeferredEvaluation,
  EventQuery,
  Firing,
  InvocationQuery,
  LoggedOccurrence,
  Page,
  StatusWatch,
  Store,
  StoreNotice,
  StoreStats,
} from "../store.js";
import { DeferredQueue } from "./deferred-queue.js";
import { Fifo } from "./fifo.js";
import { OccurrenceLog } from "./occurrence-log.js";
import { SequencedList } from "./sequenced-list.js";

/**
 * The embedded store: everything in this process's memory. Single-threaded
 * JavaScript makes each method atomic; nothing survives a restart.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private readonly retention: RetentionOptions;
  private readonly listeners = new Set<(notice: StoreNotice) => void>();

  private readonly tasks = new Map<string, Task>();
  private readonly triggers = new Map<string, Trigger>();

  private readonly invocations = new Map<string, Invocation>();
  private readonly allInvocations = new SequencedList();
  private readonly invocationsByTask = new Map<string, SequencedList>();
  private readonly invocationKeys = new Map<string, string>();
  private readonly invocationKeyOf = new Map<string, string>();
  private readonly firings = new Map<string, { invocationId: string; at: number }>();
  private finishedCount = 0;
  private activeCount = 0;

  private readonly ready = new Map<string, Fifo<string>>();
  private delayed: Array<{ at: number; invocationId: string }> = [];
  private readonly assignments = new Map<string, string>();
  private readonly workerAssignments = new Map<string, Set<string>>();
  private readonly workerLeases = new Map<string, number>();

  private readonly log = new OccurrenceLog();
  private readonly deferred = new DeferredQueue();
  private readonly events = new Map<string, StoredEvent>();
  private readonly eventOrder = new SequencedList();
  private readonly eventKeys = new Map<string, string>();

  /** Per trigger, its partitions from least to most recently updated. */
  private readonly joins = new Map<string, Map<string, JoinState>>();
  private readonly joinMarkers = new Map<string, { step: JoinStep; at: number }>();
  private readonly cronSlots = new Map<string, number>();
  private readonly evaluations = new Map<string, Evaluation[]>();

  constructor(retention: Partial<RetentionOptions> = {}) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
  }

  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // ---- apps, tasks, triggers --------------------------------------------------------

  async registerApp(registration: AppRegistration): Promise<{ removedTriggerIds: string[] }> {
    for (const task of registration.tasks) this.tasks.set(task.id, task);
    const keep = new Set(registration.triggers.map((trigger) => trigger.id));
    const removedTriggerIds: string[] = [];
    for (const trigger of this.triggers.values()) {
      if (trigger.origin === "declared" && trigger.appId === registration.appId && !keep.has(trigger.id)) {
        removedTriggerIds.push(trigger.id);
      }
    }
    for (const id of removedTriggerIds) this.dropTrigger(id);
    const changed: string[] = [...removedTriggerIds];
    for (const trigger of registration.triggers) {
      const existing = this.triggers.get(trigger.id);
      if (existing) continue;
      this.triggers.set(trigger.id, trigger);
      changed.push(trigger.id);
    }
    this.notify({ type: "app", appId: registration.appId });
    for (const triggerId of changed) this.notify({ type: "trigger", triggerId });
    return { removedTriggerIds };
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    return this.tasks.get(taskId);
  }

  async listTasks(): Promise<Task[]> {
    return [...this.tasks.values()];
  }

  async createTrigger(trigger: Trigger): Promise<{ trigger: Trigger; created: boolean }> {
    const existing = this.triggers.get(trigger.id);
    if (existing) return { trigger: existing, created: false };
    this.triggers.set(trigger.id, trigger);
    this.notify({ type: "trigger", triggerId: trigger.id });
    return { trigger, created: true };
  }

  async getTrigger(triggerId: string): Promise<Trigger | undefined> {
    return this.triggers.get(triggerId);
  }

  async listTriggers(): Promise<Trigger[]> {
    return [...this.triggers.values()];
  }

  async setTriggerPaused(triggerId: string, paused: boolean): Promise<Trigger | undefined> {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return undefined;
    const updated = { ...trigger, paused };
    this.triggers.set(triggerId, updated);
    this.notify({ type: "trigger", triggerId });
    return updated;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    if (!this.triggers.has(triggerId)) return false;
    this.dropTrigger(triggerId);
    this.notify({ type: "trigger", triggerId });
    return true;
  }

  private dropTrigger(triggerId: string): void {
    this.triggers.delete(triggerId);
    this.evaluations.delete(triggerId);
    this.joins.delete(triggerId);
    const cronPrefix = `${triggerId}:`;
    for (const key of this.cronSlots.keys()) if (key.startsWith(cronPrefix)) this.cronSlots.delete(key);
  }

  // ---- invocations and work ---------------------------------------------------------

  async createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: string },
  ): Promise<Created> {
    const key = options.idempotencyKey;
    const existingId = key ? this.invocationKeys.get(key) : undefined;
    const existing = existingId ? this.invocations.get(existingId) : undefined;
    if (existing) return { invocation: copy(existing), created: false };
    const created = this.insertInvocation(input, options.watch, options.assignTo);
    if (key) {
      this.invocationKeys.set(key, input.id);
      this.invocationKeyOf.set(input.id, key);
    }
    return created;
  }

  async fire(firing: Firing, watch: StatusWatch, assignTo?: string): Promise<Created> {
    const previous = this.firings.get(firing.firingKey);
    const existing = previous ? this.invocations.get(previous.invocationId) : undefined;
    if (existing) return { invocation: copy(existing), created: false };
    const created = this.insertInvocation(firing.invocation, watch, assignTo);
    this.firings.set(firing.firingKey, {
      invocationId: firing.invocation.id,
      at: firing.invocation.createdAt,
    });
    this.pruneMarkers(this.firings, firing.invocation.createdAt);
    for (const eventId of firing.eventIds) this.events.get(eventId)?.invocationIds.push(firing.invocation.id);
    return created;
  }

  private insertInvocation(input: NewInvocation, watch: StatusWatch, assignTo: string | undefined): Created {
    const invocation: Invocation = {
      ...input,
      status: "REGISTERED",
      attempt: 1,
      version: 1,
      updatedAt: input.createdAt,
    };
    this.invocations.set(invocation.id, invocation);
    this.activeCount++;
    this.allInvocations.add(invocation.id);
    getOrCreate(this.invocationsByTask, invocation.taskId, () => new SequencedList()).add(invocation.id);
    this.logTransition(invocation, watch);
    this.notify({ type: "invocation", invocationId: invocation.id, status: invocation.status });
    if (!assignTo) {
      this.enqueue(invocation.taskId, invocation.id);
      return { invocation: copy(invocation), created: true };
    }
    const assignment = this.assign(invocation, assignTo, invocation.createdAt, watch);
    return { invocation: copy(invocation), created: true, assignment };
  }

  async getInvocation(invocationId: string): Promise<Invocation | undefined> {
    const invocation = this.invocations.get(invocationId);
    return invocation && copy(invocation);
  }

  async listInvocations(query: InvocationQuery): Promise<Page<Invocation>> {
    const list = query.taskId ? this.invocationsByTask.get(query.taskId) : this.allInvocations;
    if (!list) return { items: [] };
    const { ids, nextPageToken } = list.pageNewestFirst(query.limit, query.pageToken, (id) => {
      const invocation = this.invocations.get(id);
      if (!invocation) return false;
      if (query.status && invocation.status !== query.status) return false;
      return !query.triggerId || invocation.provenance?.triggerId === query.triggerId;
    });
    const items = ids.map((id) => copy(this.invocations.get(id) as Invocation));
    return nextPageToken ? { items, nextPageToken } : { items };
  }

  async claimWork(
    workerId: string,
    taskIds: readonly string[],
    max: number,
    now: number,
    watch: StatusWatch,
  ): Promise<Assignment[]> {
    const claimed: Assignment[] = [];
    while (claimed.length < max) {
      const queue = this.oldestReadyQueue(taskIds);
      if (!queue) break;
      const invocation = this.invocations.get(queue.shift() as string);
      if (!invocation || (invocation.status !== "REGISTERED" && invocation.status !== "RETRY")) continue;
      claimed.push(this.assign(invocation, workerId, now, watch));
    }
    return claimed;
  }

  /** REGISTERED or RETRY → PENDING under a new assignment to `workerId`. */
  private assign(invocation: Invocation, workerId: string, now: number, watch: StatusWatch): Assignment {
    const assignmentId = `${invocation.id}/${invocation.version + 1}`;
    this.transition(invocation, "PENDING", now, watch, (inv) => {
      inv.assignment = { assignmentId, workerId };
      if (inv.status === "RETRY") inv.attempt++;
      delete inv.retryAt;
    });
    this.assignments.set(assignmentId, invocation.id);
    getOrCreate(this.workerAssignments, workerId, () => new Set<string>()).add(assignmentId);
    return toAssignment(invocation, assignmentId);
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

  async getAssignment(assignmentId: string): Promise<Assignment | undefined> {
    const invocation = this.currentAssignment(assignmentId);
    return invocation && toAssignment(invocation, assignmentId);
  }

  async markStarted(assignmentId: string, now: number, watch: StatusWatch): Promise<Invocation | undefined> {
    const invocation = this.currentAssignment(assignmentId);
    if (invocation?.status !== "PENDING") return undefined;
    this.transition(invocation, "RUNNING", now, watch, () => {});
    return copy(invocation);
  }

  async finishAttempt(
    assignmentId: string,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
  ): Promise<Invocation | undefined> {
    const invocation = this.currentAssignment(assignmentId);
    if (!invocation) return undefined;
    this.unassign(invocation);
    this.transition(invocation, outcome.status, now, watch, (inv) => {
      if (outcome.status === "SUCCESS") inv.result = outcome.result;
      else inv.error = outcome.error;
      if (outcome.status === "RETRY") inv.retryAt = outcome.retryAt;
    });
    if (outcome.status === "RETRY") this.delay(invocation.id, outcome.retryAt);
    if (isFinalStatus(outcome.status)) {
      this.activeCount--;
      this.countFinished();
    }
    return copy(invocation);
  }

  async releaseWorker(
    workerId: string,
    now: number,
    watch: StatusWatch,
    only?: readonly string[],
  ): Promise<Invocation[]> {
    if (!only) this.workerLeases.delete(workerId);
    const held = only ? [...only] : [...(this.workerAssignments.get(workerId) ?? [])];
    const released: Invocation[] = [];
    for (const assignmentId of held.reverse()) {
      const invocation = this.currentAssignment(assignmentId);
      if (!invocation) continue;
      this.unassign(invocation);
      this.transition(invocation, "REGISTERED", now, watch, () => {});
      this.enqueue(invocation.taskId, invocation.id, true);
      released.push(copy(invocation));
    }
    if (!only) this.workerAssignments.delete(workerId);
    return released;
  }

  async renewWorkerLease(workerId: string, until: number): Promise<void> {
    this.workerLeases.set(workerId, until);
  }

  async releaseExpiredWorkers(now: number, watch: StatusWatch): Promise<Invocation[]> {
    const released: Invocation[] = [];
    for (const [workerId, until] of [...this.workerLeases]) {
      if (until < now) released.push(...(await this.releaseWorker(workerId, now, watch)));
    }
    return released;
  }

  async nextRetryAt(): Promise<number | undefined> {
    return this.delayed[0]?.at;
  }

  async announceDueRetries(now: number): Promise<void> {
    while (this.delayed.length > 0 && (this.delayed[0] as { at: number }).at <= now) {
      const { invocationId } = this.delayed.shift() as { invocationId: string };
      const invocation = this.invocations.get(invocationId);
      if (invocation?.status === "RETRY") this.enqueue(invocation.taskId, invocation.id);
    }
  }

  private currentAssignment(assignmentId: string): Invocation | undefined {
    const invocationId = this.assignments.get(assignmentId);
    const invocation = invocationId ? this.invocations.get(invocationId) : undefined;
    return invocation?.assignment?.assignmentId === assignmentId ? invocation : undefined;
  }

  private unassign(invocation: Invocation): void {
    const ref = invocation.assignment;
    if (!ref) return;
    this.assignments.delete(ref.assignmentId);
    this.workerAssignments.get(ref.workerId)?.delete(ref.assignmentId);
    delete invocation.assignment;
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
    watch: StatusWatch,
    apply: (invocation: Invocation) => void,
  ): void {
    if (!canTransition(invocation.status, to)) {
      throw new Error(`invalid transition ${invocation.status} → ${to} of ${invocation.id}`);
    }
    apply(invocation);
    invocation.status = to;
    invocation.version++;
    invocation.updatedAt = now;
    this.logTransition(invocation, watch);
    this.notify({ type: "invocation", invocationId: invocation.id, status: to });
  }

  private logTransition(invocation: Invocation, watch: StatusWatch): void {
    if (!watch.watches(invocation.taskId, invocation.status)) return;
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
      },
    ]);
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
      const key = this.invocationKeyOf.get(id);
      if (key) this.invocationKeys.delete(key);
      this.invocationKeyOf.delete(id);
      this.invocationsByTask.get(invocation.taskId)?.removeAll(drop);
    }
    this.allInvocations.removeAll(drop);
    this.finishedCount -= drop.size;
  }

  // ---- occurrences ------------------------------------------------------------------

  async readOccurrences(
    _consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    return this.log.read(max, waitMs, signal);
  }

  async ackOccurrences(refs: readonly string[]): Promise<void> {
    this.log.ack(refs);
  }

  async appendOccurrences(occurrences: readonly Occurrence[]): Promise<void> {
    this.log.append(occurrences);
  }

  async stats(): Promise<StoreStats> {
    return {
      activeInvocations: this.activeCount,
      occurrenceBacklog: this.log.backlog + this.deferred.backlog,
    };
  }

  async deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    this.deferred.append(appId, triggerId, occurrence);
  }

  async readDeferred(
    appIds: readonly string[],
    _consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    return this.deferred.read(appIds, max, waitMs, signal);
  }

  async ackDeferred(items: readonly DeferredEvaluation[]): Promise<void> {
    this.deferred.ack(items);
  }

  // ---- events -----------------------------------------------------------------------

  async appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const key = event.idempotencyKey;
    const firstId = key ? this.eventKeys.get(key) : undefined;
    const first = firstId ? this.events.get(firstId) : undefined;
    if (first) return { event: copyEvent(first), duplicate: true };
    this.events.set(event.id, copyEvent(event));
    this.eventOrder.add(event.id);
    if (key) this.eventKeys.set(key, event.id);
    this.log.append([
      { kind: "event", id: event.id, at: event.emittedAt, code: event.code, payload: event.payload },
    ]);
    this.pruneEvents(event.emittedAt);
    return { event: copyEvent(event), duplicate: false };
  }

  private pruneEvents(now: number): void {
    const cutoff = now - this.retention.eventRetentionMs;
    const drop = new Set<string>();
    let excess = this.events.size - this.retention.maxEvents;
    for (const id of this.eventOrder.oldestFirst()) {
      const event = this.events.get(id);
      if (!event || (excess <= 0 && event.emittedAt >= cutoff)) break;
      drop.add(id);
      excess--;
    }
    if (drop.size === 0) return;
    for (const id of drop) {
      const key = this.events.get(id)?.idempotencyKey;
      if (key) this.eventKeys.delete(key);
      this.events.delete(id);
    }
    this.eventOrder.removeAll(drop);
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const event = this.events.get(eventId);
    return event && copyEvent(event);
  }

  async listEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const { ids, nextPageToken } = this.eventOrder.pageOldestFirst(query.limit, query.pageToken, (id) => {
      const event = this.events.get(id);
      if (!event) return false;
      if (query.code && event.code !== query.code) return false;
      if (query.since !== undefined && event.emittedAt < query.since) return false;
      return query.until === undefined || event.emittedAt < query.until;
    });
    const items = ids.map((id) => copyEvent(this.events.get(id) as StoredEvent));
    return nextPageToken ? { items, nextPageToken } : { items };
  }

  // ---- AND joins --------------------------------------------------------------------

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxPartitions: number,
  ): Promise<{ step: JoinStep; replayed: boolean; evicted: JoinState[] }> {
    const markerKey = `${triggerId}|${occurrenceId}`;
    const marker = this.joinMarkers.get(markerKey);
    if (marker) return { step: marker.step, replayed: true, evicted: [] };
    const partitions = getOrCreate(this.joins, triggerId, () => new Map<string, JoinState>());
    const result = step(partitions.get(partition) ?? { entries: [] });
    partitions.delete(partition);
    if (result.state.entries.length > 0) partitions.set(partition, result.state);
    const evicted: JoinState[] = [];
    for (const [oldest, state] of partitions) {
      if (partitions.size <= maxPartitions) break;
      partitions.delete(oldest);
      evicted.push(state);
    }
    if (partitions.size === 0) this.joins.delete(triggerId);
    const now = Date.now();
    this.joinMarkers.set(markerKey, { step: result, at: now });
    this.pruneMarkers(this.joinMarkers, now);
    return { step: result, replayed: false, evicted };
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    return [...(this.joins.get(triggerId) ?? [])].map(([partition, state]) => ({ partition, state }));
  }

  private pruneMarkers(markers: Map<string, { at: number }>, now: number): void {
    const cutoff = now - this.retention.markerRetentionMs;
    for (const [key, marker] of markers) {
      if (marker.at >= cutoff) break;
      markers.delete(key);
    }
  }

  // ---- cron -------------------------------------------------------------------------

  async getCronSlots(conditionKeys: readonly string[]): Promise<Map<string, number>> {
    const slots = new Map<string, number>();
    for (const key of conditionKeys) {
      const slot = this.cronSlots.get(key);
      if (slot !== undefined) slots.set(key, slot);
    }
    return slots;
  }

  async advanceCron(advances: readonly CronAdvance[]): Promise<boolean[]> {
    return advances.map((advance) => {
      const key = `${advance.triggerId}:${advance.conditionIndex}`;
      if (!this.triggers.has(advance.triggerId) || this.cronSlots.get(key) !== advance.expected) return false;
      this.cronSlots.set(key, advance.next);
      this.log.append(advance.occurrences);
      return true;
    });
  }

  // ---- explainability ---------------------------------------------------------------

  async recordEvaluations(evaluations: readonly Evaluation[]): Promise<void> {
    for (const evaluation of evaluations) {
      if (!this.triggers.has(evaluation.triggerId)) continue;
      const list = getOrCreate(this.evaluations, evaluation.triggerId, (): Evaluation[] => []);
      list.push(evaluation);
      if (list.length > this.retention.evaluationsPerTrigger) list.shift();
    }
  }

  async listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]> {
    return (this.evaluations.get(triggerId) ?? []).slice(-limit).reverse();
  }

  /** Delivered after the current operation finished, so listeners never see a half-applied change. */
  private notify(notice: StoreNotice): void {
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(notice);
    });
  }
}

function toAssignment(invocation: Invocation, assignmentId: string): Assignment {
  return {
    assignmentId,
    invocationId: invocation.id,
    taskId: invocation.taskId,
    arguments: invocation.arguments,
    attempt: invocation.attempt,
  };
}

/** Callers get snapshots: the store's own records change in place. */
function copy(invocation: Invocation): Invocation {
  return invocation.assignment
    ? { ...invocation, assignment: { ...invocation.assignment } }
    : { ...invocation };
}

function copyEvent(event: StoredEvent): StoredEvent {
  return { ...event, invocationIds: [...event.invocationIds] };
}
