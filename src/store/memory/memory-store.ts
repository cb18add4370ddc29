import type { Trigger } from "../../domain/trigger.js";
import { type RetentionOptions, resolveRetention } from "../retention.js";
import { StatusWatches } from "../status-watches.js";
import type { StatusWatch, Store, StoreNotice, StoreStats } from "../store.js";
import { DEFAULT_RECLAIM_AFTER_MS } from "../store.js";
import { DeferredQueue } from "./deferred-queue.js";
import { MemoryHistory } from "./memory-history.js";
import { MemoryInvocations } from "./memory-invocations.js";
import { MemoryRegistry } from "./memory-registry.js";
import { MemoryReplicas } from "./memory-replicas.js";
import { MemoryTriggerState } from "./memory-trigger-state.js";
import { MemoryOccurrenceLog } from "./occurrence-log.js";

export interface MemoryStoreOptions {
  retention?: Partial<RetentionOptions>;
  /**
   * An occurrence (or deferred evaluation) whose evaluation failed is handed out
   * again after this long. Default 30 s, as on Redis.
   */
  reclaimAfterMs?: number;
}

/**
 * The embedded store: everything in this process's memory, one object per role.
 * Single-threaded JavaScript makes each method atomic; nothing survives a restart.
 */
export class MemoryStore implements Store {
  readonly description = "memory";
  readonly registry: MemoryRegistry;
  readonly work: MemoryInvocations;
  readonly log: MemoryOccurrenceLog;
  readonly deferred: DeferredQueue;
  readonly triggerState: MemoryTriggerState;
  readonly replicas: MemoryReplicas;
  readonly history: MemoryHistory;
  private readonly watches = new StatusWatches();
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  /** Delivered together after the current operation (see notify). */
  private pendingNotices: StoreNotice[] = [];

  constructor(options: MemoryStoreOptions = {}) {
    const retention = resolveRetention(options.retention);
    const reclaimAfterMs = options.reclaimAfterMs ?? DEFAULT_RECLAIM_AFTER_MS;
    const notify = (notice: StoreNotice) => this.notify(notice);
    this.registry = new MemoryRegistry({ notify, onTriggerDropped: (trigger) => this.dropTrigger(trigger) });
    const triggerExists = (triggerId: string) => this.registry.has(triggerId);
    this.history = new MemoryHistory({
      retention,
      triggerExists,
      logOccurrence: (occurrence) => this.log.append([occurrence]),
    });
    this.log = new MemoryOccurrenceLog(reclaimAfterMs, this.history);
    this.deferred = new DeferredQueue(reclaimAfterMs, this.history);
    this.triggerState = new MemoryTriggerState({
      registry: this.registry,
      retention,
      logOccurrences: (occurrences) => this.log.append(occurrences),
      fire: (firing, assignTo) => this.work.fireNow(firing, assignTo),
      record: (evaluations) => this.history.record(evaluations),
    });
    this.work = new MemoryInvocations({
      log: this.log,
      events: this.history,
      registry: this.registry,
      retention,
      watch: this.watches,
      notify,
    });
    this.replicas = new MemoryReplicas({
      registry: this.registry,
      activeInvocations: () => this.work.activeCount,
      onReplicaGone: (replicaId) => {
        this.log.releaseReplica(replicaId);
        this.deferred.releaseReplica(replicaId);
      },
    });
  }

  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** In process, every notice is cheap: they all come anyway. */
  async followStatusChanges(_follow: boolean): Promise<void> {}

  async followFinalStatuses(_follow: boolean): Promise<void> {}

  watchStatuses(watch: StatusWatch): () => void {
    return this.watches.add(watch);
  }

  async stats(): Promise<StoreStats> {
    return {
      activeInvocations: this.work.activeCount,
      occurrenceBacklog: this.log.backlog + this.deferred.backlog,
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /** A trigger is gone: its join state, cron slots and history go with it. */
  private dropTrigger(trigger: Trigger): void {
    this.triggerState.dropTrigger(trigger);
    this.history.dropTrigger(trigger.id);
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
