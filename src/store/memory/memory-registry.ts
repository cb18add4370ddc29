import { randomUUID } from "node:crypto";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import type { AppRegistration, FireSkip, RegistryStore, StoreNotice } from "../store.js";

/** What {@link MemoryRegistry} shares with the other roles of the memory store. */
export interface MemoryRegistryDeps {
  notify: (notice: StoreNotice) => void;
  /** A trigger is gone (deleted, or no longer declared): the other roles drop its state. */
  onTriggerDropped: (trigger: Trigger) => void;
}

/** Apps, tasks and triggers in memory (the registry role), with the registry version and the data set's identity. */
export class MemoryRegistry implements RegistryStore {
  private readonly tasks = new Map<string, Task>();
  private readonly triggers = new Map<string, Trigger>();
  /** See RegistryStore.registryVersion. */
  private version = 0;
  /** The data set's identity: a memory store keeps its data while its process lives, so it never changes. */
  private dataSet_ = "";
  /** Apps awaited after a loss (see RegistryStore.openDataSet), with when the wait for each ends. */
  private readonly awaiting = new Map<string, number>();

  constructor(private readonly deps: MemoryRegistryDeps) {}

  /** The registry version, read in the caller's synchronous step. */
  get currentVersion(): number {
    return this.version;
  }

  get dataSet(): string {
    return this.dataSet_;
  }

  /** Apps still awaited at `now` (their wait ended: no longer). */
  awaitingApps(now: number): number {
    for (const [appId, until] of this.awaiting) if (until <= now) this.awaiting.delete(appId);
    return this.awaiting.size;
  }

  /** Why a firing or join step for this trigger must not apply, if it must not. */
  skipReason(triggerId: string): FireSkip | undefined {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return "trigger deleted";
    return trigger.paused ? "trigger paused" : undefined;
  }

  has(triggerId: string): boolean {
    return this.triggers.has(triggerId);
  }

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
      if (this.triggers.has(trigger.id)) continue;
      this.triggers.set(trigger.id, trigger);
      changed.push(trigger.id);
    }
    this.deps.notify({ type: "app", appId: registration.appId, version: ++this.version });
    for (const triggerId of changed)
      this.deps.notify({ type: "trigger", triggerId, version: ++this.version });
    return { removedTriggerIds };
  }

  async openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string> {
    this.dataSet_ ||= randomUUID();
    for (const appId of awaitApps) this.awaiting.set(appId, Date.now() + awaitMs);
    return this.dataSet_;
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
    this.deps.notify({ type: "trigger", triggerId: trigger.id, version: ++this.version });
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
    this.deps.notify({ type: "trigger", triggerId, version: ++this.version });
    return updated;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    if (!this.triggers.has(triggerId)) return false;
    this.dropTrigger(triggerId);
    this.deps.notify({ type: "trigger", triggerId, version: ++this.version });
    return true;
  }

  private dropTrigger(triggerId: string): void {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return;
    this.triggers.delete(triggerId);
    this.deps.onTriggerDropped(trigger);
  }
}
