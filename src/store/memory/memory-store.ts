import { randomUUID } from "node:crypto";
import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import type { NewInvocation } from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import { type RetentionOptions, resolveRetention } from "../retention.js";
import type {
  AppRegistration,
  AttemptOutcome,
  CronAdvance,
  DeferredEvaluation,
  EventQuery,
  FinishOptions,
  FireResult,
  FireSkip,
  Firing,
  InvocationQuery,
  JoinUpdate,
  LoggedOccurrence,
  ReplicaAnnouncement,
  ReplicaCheckIn,
  StatusWatch,
  Store,
  StoreNotice,
  StoreStats,
  WorkerRef,
} from "../store.js";
import { DEFAULT_RECLAIM_AFTER_MS } from "../store.js";
import { DeferredQueue } from "./deferred-queue.js";
import { MemoryEvents } from "./memory-events.js";
import { MemoryInvocations } from "./memory-invocations.js";
import { MemoryJoins } from "./memory-joins.js";
import { MemoryReplicas } from "./memory-replicas.js";
import { OccurrenceLog } from "./occurrence-log.js";

export interface MemoryStoreOptions {
  retention?: Partial<RetentionOptions>;
  /**
   * An occurrence (or deferred evaluation) handed out and not acknowledged this
   * long is handed out again: its evaluation failed. Default 30 s, as on Redis.
   */
  reclaimAfterMs?: number;
}

/**
 * The embedded store: everything in this process's memory. Single-threaded
 * JavaScript makes each method atomic; nothing survives a restart.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly reclaimAfterMs: number;
  private readonly retention: RetentionOptions;
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  /** Delivered together after the current operation (see notify). */
  private pendingNotices: StoreNotice[] = [];

  private readonly tasks = new Map<string, Task>();
  private readonly triggers = new Map<string, Trigger>();
  /** See Store.registryVersion. */
  private version = 0;

  private readonly log: OccurrenceLog;
  private readonly deferred: DeferredQueue;
  private readonly events: MemoryEvents;
  private readonly invocations: MemoryInvocations;
  private readonly joins: MemoryJoins;
  private readonly cronSlots = new Map<string, number>();
  private readonly evaluations = new Map<string, Evaluation[]>();
  private readonly replicas = new MemoryReplicas();
  /** The data set's identity: a memory store keeps its data while its process lives, so it never changes. */
  private dataSet = "";
  /** Apps awaited after a loss (see Store.openDataSet), with when the wait for each ends. */
  private readonly awaiting = new Map<string, number>();

  constructor(options: MemoryStoreOptions = {}) {
    this.retention = resolveRetention(options.retention);
    this.reclaimAfterMs = options.reclaimAfterMs ?? DEFAULT_RECLAIM_AFTER_MS;
    this.log = new OccurrenceLog(this.reclaimAfterMs);
    this.deferred = new DeferredQueue(this.reclaimAfterMs);
    this.joins = new MemoryJoins(this.retention);
    this.events = new MemoryEvents(this.log, this.retention);
    this.invocations = new MemoryInvocations(this.log, this.events, this.retention, (notice) =>
      this.notify(notice),
    );
  }

  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** In process, every notice is cheap: they all come anyway. */
  async followStatusChanges(_follow: boolean): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // ---- apps, tasks, triggers --------------------------------------------------------

  async registerApp(registration: AppRegistration): Promise<{ removedTriggerIds: string[] }> {
    this.awaiting.delete(registration.appId);
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
    this.notify({ type: "app", appId: registration.appId, version: ++this.version });
    for (const triggerId of changed) this.notify({ type: "trigger", triggerId, version: ++this.version });
    return { removedTriggerIds };
  }

  async openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string> {
    this.dataSet ||= randomUUID();
    for (const appId of awaitApps) this.awaiting.set(appId, Date.now() + awaitMs);
    return this.dataSet;
  }

  async registryVersion(): Promise<number> {
    return this.version;
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
    this.notify({ type: "trigger", triggerId: trigger.id, version: ++this.version });
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
    this.notify({ type: "trigger", triggerId, version: ++this.version });
    return updated;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    if (!this.triggers.has(triggerId)) return false;
    this.dropTrigger(triggerId);
    this.notify({ type: "trigger", triggerId, version: ++this.version });
    return true;
  }

  private dropTrigger(triggerId: string): void {
    // Its cron slots: one key per condition index, however many conditions it has.
    const conditions = this.triggers.get(triggerId)?.conditions.length ?? 0;
    for (let i = 0; i < conditions; i++) this.cronSlots.delete(`${triggerId}:${i}`);
    this.triggers.delete(triggerId);
    this.evaluations.delete(triggerId);
    this.joins.drop(triggerId);
  }

  // ---- invocations and work (memory-invocations.ts) ------------------------------

  createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: WorkerRef },
  ) {
    return this.invocations.createInvocation(input, options);
  }
  /** Checked in the same synchronous step as the creation: atomic with the trigger's state. */
  async fire(firing: Firing, watch: StatusWatch, assignTo?: WorkerRef): Promise<FireResult> {
    const repeat = this.invocations.firedBefore(firing.firingKey);
    if (repeat) return repeat;
    const skip = this.skipReason(firing.triggerId);
    if (skip) return { outcome: "skipped", reason: skip };
    return this.invocations.fire(firing, watch, assignTo);
  }

  private skipReason(triggerId: string): FireSkip | undefined {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return "trigger deleted";
    return trigger.paused ? "trigger paused" : undefined;
  }
  getInvocation(invocationId: string) {
    return this.invocations.getInvocation(invocationId);
  }
  listInvocations(query: InvocationQuery) {
    return this.invocations.listInvocations(query);
  }
  claimWork(worker: WorkerRef, taskIds: readonly string[], max: number, now: number, watch: StatusWatch) {
    return this.invocations.claimWork(worker, taskIds, max, now, watch);
  }
  getAssignment(assignmentId: string, workerId: string) {
    return this.invocations.getAssignment(assignmentId, workerId);
  }
  markStarted(assignmentId: string, workerId: string, now: number, watch: StatusWatch) {
    return this.invocations.markStarted(assignmentId, workerId, now, watch);
  }
  finishAttempt(
    assignmentId: string,
    worker: WorkerRef,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
    options?: FinishOptions,
  ) {
    return this.invocations.finishAttempt(assignmentId, worker, outcome, now, watch, options);
  }
  connectWorker(worker: WorkerRef, held: readonly string[], until: number, now: number, watch: StatusWatch) {
    return this.invocations.connectWorker(worker, held, until, now, watch);
  }
  releaseWorker(worker: WorkerRef, now: number, watch: StatusWatch, only?: readonly string[]) {
    return this.invocations.releaseWorker(worker, now, watch, only);
  }
  renewWorkerLease(worker: WorkerRef, until: number) {
    return this.invocations.renewWorkerLease(worker, until);
  }
  releaseExpiredWorkers(now: number, watch: StatusWatch) {
    return this.invocations.releaseExpiredWorkers(now, watch);
  }
  announceDueRetries(now: number) {
    return this.invocations.announceDueRetries(now);
  }

  // ---- events (memory-events.ts) ------------------------------------------------

  appendEvent(event: StoredEvent) {
    return this.events.appendEvent(event);
  }
  getEvent(eventId: string) {
    return this.events.getEvent(eventId);
  }
  listEvents(query: EventQuery) {
    return this.events.listEvents(query);
  }

  // ---- occurrences ------------------------------------------------------------------

  async readOccurrences(
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    return this.log.read(consumerId, max, waitMs, signal);
  }

  async keepOccurrences(consumerId: string, refs: readonly string[]): Promise<void> {
    this.log.keep(consumerId, refs);
  }

  async ackOccurrences(refs: readonly string[]): Promise<void> {
    this.log.ack(refs);
  }

  async settleOccurrences(evaluations: readonly Evaluation[], refs: readonly string[]): Promise<void> {
    await this.recordEvaluations(evaluations);
    this.log.ack(refs);
  }

  async appendOccurrences(occurrences: readonly Occurrence[]): Promise<void> {
    this.log.append(occurrences);
  }

  async stats(): Promise<StoreStats> {
    return {
      activeInvocations: this.invocations.activeCount,
      occurrenceBacklog: this.log.backlog + this.deferred.backlog,
    };
  }

  async deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    this.deferred.append(appId, triggerId, occurrence);
  }

  async readDeferred(
    appIds: readonly string[],
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    return this.deferred.read(appIds, consumerId, max, waitMs, signal);
  }

  async keepDeferred(consumerId: string, refs: readonly string[]): Promise<void> {
    this.deferred.keep(consumerId, refs);
  }

  async settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]): Promise<void> {
    await this.recordEvaluations(evaluations);
    this.deferred.ack([item]);
  }

  /** Readers leave nothing behind in memory: there is nothing to forget. */
  async forgetIdleConsumers(_idleMs: number): Promise<string[]> {
    return [];
  }

  // ---- AND joins --------------------------------------------------------------------

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ): Promise<JoinUpdate> {
    const replayed = this.joins.replayed(triggerId, occurrenceId);
    if (replayed) return replayed;
    const skip = this.skipReason(triggerId);
    if (skip) return { kind: "skipped", reason: skip };
    return this.joins.apply(triggerId, partition, occurrenceId, step, maxEntries);
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    return this.joins.list(triggerId);
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

  // ---- replicas ---------------------------------------------------------------------

  async announceReplica(announcement: ReplicaAnnouncement, liveSince: number): Promise<ReplicaCheckIn> {
    const now = Date.now();
    for (const [appId, until] of this.awaiting) if (until <= now) this.awaiting.delete(appId);
    return {
      replicas: this.replicas.announce(announcement, liveSince),
      registryVersion: this.version,
      dataSet: this.dataSet,
      awaitingApps: this.awaiting.size,
      activeInvocations: this.invocations.activeCount,
    };
  }

  async retireReplica(replicaId: string): Promise<void> {
    this.replicas.retire(replicaId);
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
    this.pendingNotices.push(notice);
    if (this.pendingNotices.length === 1) queueMicrotask(() => this.flushNotices());
  }

  private flushNotices(): void {
    const notices = this.pendingNotices;
    this.pendingNotices = [];
    for (const notice of notices) for (const listener of this.listeners) listener(notice);
  }
}
