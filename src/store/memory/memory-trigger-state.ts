import type { Evaluation } from "../../domain/evaluation.js";
import type { Assignment } from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { Trigger } from "../../domain/trigger.js";
import type { RetentionOptions } from "../retention.js";
import type {
  CronAdvance,
  CronFired,
  CronFiringClaim,
  FireResult,
  Firing,
  JoinUpdate,
  TriggerStateStore,
  WorkerRef,
} from "../store.js";
import { MemoryJoins } from "./memory-joins.js";
import type { MemoryRegistry } from "./memory-registry.js";

/** What {@link MemoryTriggerState} shares with the other roles of the memory store. */
export interface MemoryTriggerStateDeps {
  registry: MemoryRegistry;
  retention: RetentionOptions;
  /** Logs a claimed cron slot's occurrences in the claim's synchronous step. */
  logOccurrences: (occurrences: readonly Occurrence[]) => void;
  /** Fires (WorkStore.fire) in the claim's synchronous step. */
  fire: (firing: Firing, assignTo?: WorkerRef) => FireResult;
  /** Keeps evaluation records in the claim's synchronous step. */
  record: (evaluations: readonly Evaluation[]) => void;
}

/** AND-join state and cron slots in memory (the trigger-state role). */
export class MemoryTriggerState implements TriggerStateStore {
  private readonly joins: MemoryJoins;
  private readonly cronSlots = new Map<string, number>();

  constructor(private readonly deps: MemoryTriggerStateDeps) {
    this.joins = new MemoryJoins(deps.retention);
  }

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ): Promise<JoinUpdate> {
    const replayed = this.joins.replayed(triggerId, occurrenceId);
    if (replayed) return replayed;
    const skip = this.deps.registry.skipReason(triggerId);
    if (skip) return { kind: "skipped", reason: skip };
    return this.joins.apply(triggerId, partition, occurrenceId, step, maxEntries);
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    return this.joins.list(triggerId);
  }

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
      if (!this.deps.registry.has(advance.triggerId) || this.cronSlots.get(key) !== advance.expected)
        return false;
      this.cronSlots.set(key, advance.next);
      this.deps.logOccurrences(advance.occurrences);
      return true;
    });
  }

  async fireCron(claims: readonly CronFiringClaim[]): Promise<CronFired[]> {
    return claims.map((claim) => {
      const key = `${claim.triggerId}:${claim.conditionIndex}`;
      if (!this.deps.registry.has(claim.triggerId) || this.cronSlots.get(key) !== claim.expected)
        return { outcome: "lost", assigned: [] };
      this.cronSlots.set(key, claim.next);
      if (this.deps.registry.skipReason(claim.triggerId)) return { outcome: "paused", assigned: [] };
      const records: Evaluation[] = [];
      const assigned: Assignment[] = [];
      for (const { firing, record, assignTo } of claim.firings) {
        const result = this.deps.fire(firing, assignTo);
        // Only a slot claimed before under another version could have fired already.
        if (result.outcome !== "fired") continue;
        records.push(record);
        if (result.assignment) assigned.push(result.assignment);
      }
      this.deps.record(records);
      return { outcome: "fired", assigned };
    });
  }

  /** The trigger is gone: its join state and the slots of all its conditions go with it. */
  dropTrigger(trigger: Trigger): void {
    for (let i = 0; i < trigger.conditions.length; i++) this.cronSlots.delete(`${trigger.id}:${i}`);
    this.joins.drop(trigger.id);
  }
}
