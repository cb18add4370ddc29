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

/** One source item's progress in an AND trigger (see JoinState). */
export interface JoinEntry {
  /** The condition group (one task, one event condition, one cron condition). */
  group: number;
  /** The source item: invocation id, event id or cron occurrence id. */
  key: string;
  /** When its first occurrence arrived (epoch ms): `within` counts from here. */
  firstAt: number;
  /** Condition index → the occurrence that satisfied it. */
  satisfied: Record<number, Occurrence>;
}

/** What one occurrence did to an AND trigger: complete it, leave it waiting, or nothing. */
export type JoinOutcome =
  | { kind: "complete"; used: Array<{ conditionIndex: number; occurrence: Occurrence }> }
  | { kind: "waiting"; missing: number[] }
  /**
   * The occurrence matched, but its source item can never satisfy `unsatisfiable`
   * (e.g. an invocation's SUCCESS whose result a filter rejected): nothing is kept.
   */
  | { kind: "discarded"; unsatisfiable: number[] };

/** Why a partial match was dropped without firing. */
export type ExpiryReason = "window" | "cap" | "incomplete";

/** A partial match dropped without firing, as the trigger's history tells it. */
export interface ExpiredMatch {
  /** The source item (see JoinEntry.key). */
  key: string;
  occurrenceIds: string[];
  reason: ExpiryReason;
}

/** The result of applying one occurrence to a trigger's join state. */
export interface JoinStep {
  state: JoinState;
  outcome: JoinOutcome;
  /** Entries the step dropped (the window, or a source item that can never complete). */
  expired: ExpiredMatch[];
}

/**
 * What a store keeps of a step to answer a re-processed occurrence: its outcome and
 * what it expired, never the partial state (which would make markers grow with the
 * waiting entries). A complete outcome keeps the occurrences it used (at most one
 * per condition), because re-processing after a crash may still have to fire.
 */
export type JoinMarker = Omit<JoinStep, "state">;

/** The summary of `entry` kept in markers and histories. */
export function expiredMatch(entry: JoinEntry, reason: ExpiryReason): ExpiredMatch {
  const occurrenceIds = [...new Set(Object.values(entry.satisfied).map((occurrence) => occurrence.id))];
  return { key: entry.key, occurrenceIds, reason };
}
