import type { Occurrence } from "./occurrence.js";

/**
 * The partial state of one AND trigger (per correlation key). Conditions are grouped
 * by source (one task, one event code, one cron condition); an entry collects the
 * conditions of its group that one source item (an invocation, an event, a slot)
 * satisfied. A group is ready when one of its entries covers all its conditions;
 * the trigger fires when every group is ready, consuming the oldest ready entries.
 */
export interface JoinState {
  /** Oldest first. */
  entries: JoinEntry[];
}

export interface JoinEntry {
  group: number;
  /** The source item: invocation id, event id or cron occurrence id. */
  key: string;
  firstAt: number;
  /** Condition index → the occurrence that satisfied it. */
  satisfied: Record<number, Occurrence>;
}

export type JoinOutcome =
  | { kind: "complete"; used: Array<{ conditionIndex: number; occurrence: Occurrence }> }
  | { kind: "waiting"; missing: number[] };

/** The result of applying one occurrence to a trigger's join state. */
export interface JoinStep {
  state: JoinState;
  outcome: JoinOutcome;
  /** Entries dropped by the window or the cap. */
  expired: JoinEntry[];
}
