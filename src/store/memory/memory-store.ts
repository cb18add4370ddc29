import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import type { NewInvocation } from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import { DEFAULT_RETENTION, type RetentionOptions } from "../retention.js";
import type {
  AppRegistration,
  AttemptOutcome,
  CronAdvance,
  DeferredEvaluation,
  EventQuery,
  FinishOptions,
  Firing,
  InvocationQuery,
  LoggedOccurrence,
  StatusWatch,
  Store,
  StoreNotice,
  StoreStats,
} from "../store.js";
import { DeferredQueue } from "./deferred-queue.js";
import { pruneMarkers } from "./markers.js";
import { MemoryEvents } from "./memory-events.js";
import { MemoryInvocations } from "./memory-invocations.js";
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

  /** Per trigger, its partitions from least to most recently updated. */
  private readonly joins = new Map<string, Map<string, JoinState>>();
  private readonly joinMarkers = new Map<string, { step: JoinStep; at: number }>();
  private readonly cronSlots = new Map<string, number>();
  private readonly evaluations = new Map<string, Evaluation[]>();

  constructor(options: MemoryStoreOptions = {}) {
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    const reclaimAfterMs = options.reclaimAfterMs ?? 30_000;
    this.log = new OccurrenceLog(reclaimAfterMs);
    this.deferred = new DeferredQueue(reclaimAfterMs);
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
    this.joins.delete(triggerId);
  }

  // ---- invocations and work (memory-invocations.ts) ------------------------------

  createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: string },
  ) {
    return this.invocations.createInvocation(input, options);
  }
  fire(firing: Firing, watch: StatusWatch, assignTo?: string) {
    return this.invocations.fire(firing, watch, assignTo);
  }
  getInvocation(invocationId: string) {
    return this.invocations.getInvocation(invocationId);
  }
  listInvocations(query: InvocationQuery) {
    return this.invocations.listInvocations(query);
  }
  claimWork(workerId: string, taskIds: readonly string[], max: number, now: number, watch: StatusWatch) {
    return this.invocations.claimWork(workerId, taskIds, max, now, watch);
  }
  getAssignment(assignmentId: string) {
    return this.invocations.getAssignment(assignmentId);
  }
  markStarted(assignmentId: string, now: number, watch: StatusWatch) {
    return this.invocations.markStarted(assignmentId, now, watch);
  }
  finishAttempt(
    assignmentId: string,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
    options?: FinishOptions,
  ) {
    return this.invocations.finishAttempt(assignmentId, outcome, now, watch, options);
  }
  releaseWorker(workerId: string, now: number, watch: StatusWatch, only?: readonly string[]) {
    return this.invocations.releaseWorker(workerId, now, watch, only);
  }
  renewWorkerLease(workerId: string, until: number) {
    return this.invocations.renewWorkerLease(workerId, until);
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
    _consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    return this.deferred.read(appIds, max, waitMs, signal);
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
    pruneMarkers(this.joinMarkers, now, this.retention.markerRetentionMs);
    return { step: result, replayed: false, evicted };
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    return [...(this.joins.get(triggerId) ?? [])].map(([partition, state]) => ({ partition, state }));
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
    this.pendingNotices.push(notice);
    if (this.pendingNotices.length === 1) queueMicrotask(() => this.flushNotices());
  }

  private flushNotices(): void {
    const notices = this.pendingNotices;
    this.pendingNotices = [];
    for (const notice of notices) for (const listener of this.listeners) listener(notice);
  }
}
