import type { InvocationStatus } from "../../domain/invocation.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Occurrence } from "../../domain/occurrence.js";
import { statusesOf } from "../../domain/trigger.js";
import type { StatusWatch } from "../../store/store.js";
import type { CompiledTrigger } from "./compiled-trigger.js";

/**
 * Every live trigger, indexed by what can make it fire: (task, status), event code,
 * or its own cron slots. An occurrence reaches only the triggers that listen to it,
 * so evaluation cost does not grow with unrelated triggers.
 *
 * It is also the engine's answer to "is this status transition worth an occurrence?".
 */
export class TriggerIndex implements StatusWatch {
  private readonly byId = new Map<string, CompiledTrigger>();
  private readonly byTaskStatus = new Map<string, Set<string>>();
  private readonly byEventCode = new Map<string, Set<string>>();
  private readonly cronIds = new Set<string>();
  private readonly listeners = new Set<(triggerId: string) => void>();

  get size(): number {
    return this.byId.size;
  }

  get(triggerId: string): CompiledTrigger | undefined {
    return this.byId.get(triggerId);
  }

  all(): IterableIterator<CompiledTrigger> {
    return this.byId.values();
  }

  /** Triggers with at least one cron condition. */
  cronTriggers(): CompiledTrigger[] {
    return [...this.cronIds].map((id) => this.byId.get(id) as CompiledTrigger);
  }

  /** Called with a trigger id after it was added, replaced or removed. */
  onChange(listener: (triggerId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  put(compiled: CompiledTrigger): void {
    this.unindex(compiled.trigger.id);
    const id = compiled.trigger.id;
    this.byId.set(id, compiled);
    for (const { condition } of compiled.conditions) {
      if (condition.kind === "cron") this.cronIds.add(id);
      else if (condition.kind === "event") addTo(this.byEventCode, condition.code, id);
      else
        for (const status of statusesOf(condition))
          addTo(this.byTaskStatus, taskStatusKey(condition.taskId, status), id);
    }
    this.changed(id);
  }

  remove(triggerId: string): void {
    if (this.unindex(triggerId)) this.changed(triggerId);
  }

  /** The triggers an occurrence may concern. */
  forOccurrence(occurrence: Occurrence): CompiledTrigger[] {
    let ids: Iterable<string> | undefined;
    if (occurrence.kind === "status")
      ids = this.byTaskStatus.get(taskStatusKey(occurrence.taskId, occurrence.status));
    else if (occurrence.kind === "event") ids = this.byEventCode.get(occurrence.code);
    else ids = [occurrence.triggerId];
    const found: CompiledTrigger[] = [];
    for (const id of ids ?? []) {
      const compiled = this.byId.get(id);
      if (compiled) found.push(compiled);
    }
    return found;
  }

  watches(taskId: string, status: InvocationStatus): boolean {
    return this.byTaskStatus.has(taskStatusKey(taskId, status));
  }

  private unindex(triggerId: string): boolean {
    const previous = this.byId.get(triggerId);
    if (!previous) return false;
    this.byId.delete(triggerId);
    this.cronIds.delete(triggerId);
    for (const { condition } of previous.conditions) {
      if (condition.kind === "event") removeFrom(this.byEventCode, condition.code, triggerId);
      else if (condition.kind !== "cron") {
        for (const status of statusesOf(condition)) {
          removeFrom(this.byTaskStatus, taskStatusKey(condition.taskId, status), triggerId);
        }
      }
    }
    return true;
  }

  private changed(triggerId: string): void {
    for (const listener of this.listeners) listener(triggerId);
  }
}

function taskStatusKey(taskId: string, status: InvocationStatus): string {
  return `${taskId}\u0000${status}`;
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  getOrCreate(map, key, () => new Set<string>()).add(id);
}

function removeFrom(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
