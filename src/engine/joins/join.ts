import { isFinalStatus } from "../../domain/invocation.js";
import {
  type ExpiredMatch,
  expiredMatch,
  type JoinEntry,
  type JoinState,
  type JoinStep,
} from "../../domain/join.js";
import { canonicalJson, type JsonValue } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";
import { statusesOf } from "../../domain/trigger.js";
import type { CompiledTrigger } from "../triggers/compiled-trigger.js";
import { occurrenceVariables } from "../triggers/occurrence-variables.js";

/**
 * Waiting partial matches an AND trigger keeps in all (every correlation key
 * together) when it sets no cap of its own; beyond it the oldest expire.
 */
export const DEFAULT_MAX_PENDING = 10_000;

/** The source item an occurrence belongs to: its invocation, its event, its slot. */
export function sourceKeyOf(occurrence: Occurrence): string {
  return occurrence.kind === "status" ? occurrence.invocationId : occurrence.id;
}

/**
 * The AND partition of an occurrence: its correlation key as canonical JSON, ""
 * without a key (and for cron slots), undefined when the occurrence lacks the key.
 * Throws when a CEL key fails (the caller records it).
 */
export function partitionOf(compiled: CompiledTrigger, occurrence: Occurrence): string | undefined {
  const correlation = compiled.correlation;
  if (!correlation || occurrence.kind === "cron") return "";
  let value: JsonValue | undefined;
  if (correlation.kind === "cel") {
    value = correlation.program.evaluate(occurrenceVariables(occurrence));
  } else {
    const source = occurrence.kind === "status" ? occurrence.arguments : occurrence.payload;
    // Own fields only: "__proto__" must not find the prototype.
    value = Object.hasOwn(source, correlation.name) ? source[correlation.name] : undefined;
  }
  return value === undefined || value === null ? undefined : canonicalJson(value);
}

/**
 * Applies one occurrence, which satisfied the conditions `matched` of an AND trigger,
 * to the trigger's join state. Pure: the store runs it atomically.
 *
 * Conditions on one task are correlated by invocation, so "SUCCESS and any result
 * of one task" completes with one invocation; each event or cron condition is a
 * group of its own (two conditions on one event code, say "paid" and "shipped"
 * events of an order, are met by two events). Across groups, the oldest ready
 * entry of each is used and consumed, so an
 * occurrence never takes part in two firings and a stale partner is never reused.
 * An entry whose source item can no longer satisfy its group is not kept (see
 * canStillHold). The trigger-wide cap is the store's (it sees every partition).
 */
export function applyToJoin(
  state: JoinState,
  compiled: CompiledTrigger,
  occurrence: Occurrence,
  matched: readonly number[],
  now: number,
): JoinStep {
  const expired: ExpiredMatch[] = [];
  const current = entriesWithinWindow(state, compiled.trigger.join.withinMs, now, expired);
  const { entries, unsatisfiable } = recordOccurrence(current, compiled, occurrence, matched, expired);
  if (unsatisfiable.length > 0) {
    return {
      state: { entries },
      outcome: { kind: "discarded", unsatisfiable: unsatisfiable.sort((a, b) => a - b) },
      expired,
    };
  }
  return fireOrWait(compiled, entries, expired);
}

/**
 * Copies of the entries (the step is pure: `state` is left as it was), less those
 * older than the window, which go to `expired`.
 */
function entriesWithinWindow(
  state: JoinState,
  withinMs: number,
  now: number,
  expired: ExpiredMatch[],
): JoinEntry[] {
  let entries = state.entries.map((entry) => ({ ...entry, satisfied: { ...entry.satisfied } }));
  if (withinMs > 0) {
    const cutoff = now - withinMs;
    for (const entry of entries) if (entry.firstAt < cutoff) expired.push(expiredMatch(entry, "window"));
    entries = entries.filter((entry) => entry.firstAt >= cutoff);
  }
  return entries;
}

/**
 * Adds the occurrence to the entry of its source item in each group it touched.
 * An entry that can then never complete is dropped (to `expired` if it was kept
 * before), its missing conditions returned as `unsatisfiable`.
 */
function recordOccurrence(
  current: JoinEntry[],
  compiled: CompiledTrigger,
  occurrence: Occurrence,
  matched: readonly number[],
  expired: ExpiredMatch[],
): { entries: JoinEntry[]; unsatisfiable: number[] } {
  let entries = current;
  // A task's occurrence matches conditions of its task's group only; an event may
  // match several event conditions, each its own group.
  const key = sourceKeyOf(occurrence);
  const groupOf = (index: number) => (compiled.conditions[index] as { group: number }).group;
  const touched = [...new Set(matched.map(groupOf))];
  const unsatisfiable: number[] = [];
  for (const group of touched) {
    let entry = entries.find((candidate) => candidate.group === group && candidate.key === key);
    const existed = entry !== undefined;
    if (!entry) {
      entry = { group, key, firstAt: occurrence.at, satisfied: {} };
      entries.push(entry);
    }
    for (const index of matched) if (groupOf(index) === group) entry.satisfied[index] ??= occurrence;
    const satisfied = entry.satisfied;
    const never = (compiled.groups[group] as number[]).filter(
      (index) => !(index in satisfied) && !canStillHold(compiled, index, occurrence),
    );
    if (never.length === 0) continue;
    unsatisfiable.push(...never);
    const dead = entry;
    if (existed) expired.push(expiredMatch(dead, "incomplete"));
    entries = entries.filter((candidate) => candidate !== dead);
  }
  return { entries, unsatisfiable };
}

/**
 * Complete when every group has a ready entry (the oldest of each is used and
 * consumed), else waiting for the conditions still missing.
 */
function fireOrWait(compiled: CompiledTrigger, entries: JoinEntry[], expired: ExpiredMatch[]): JoinStep {
  const ready = compiled.groups.map((conditions, g) =>
    entries.find((candidate) => candidate.group === g && conditions.every((i) => i in candidate.satisfied)),
  );
  if (ready.every((candidate) => candidate !== undefined)) {
    const used = compiled.conditions.map((condition) => ({
      conditionIndex: condition.index,
      occurrence: (ready[condition.group] as JoinEntry).satisfied[condition.index] as Occurrence,
    }));
    const consumed = new Set<JoinEntry>(ready as JoinEntry[]);
    return {
      state: { entries: entries.filter((candidate) => !consumed.has(candidate)) },
      outcome: { kind: "complete", used },
      expired,
    };
  }
  return {
    state: { entries },
    outcome: { kind: "waiting", missing: missingConditions(compiled, entries, ready) },
    expired,
  };
}

/**
 * Whether another occurrence of the source item of `occurrence` may still satisfy
 * condition `index` (of the same group), which this occurrence did not.
 *
 * An event or a cron slot is one occurrence: it decides every condition of its group
 * at once. An invocation has several (one per status change, in any order of
 * processing: its RUNNING may be evaluated after its SUCCESS), but reaches a final
 * status once: after its SUCCESS or FAILED, a condition that only a final status
 * satisfies (a result, an exception, `onStatus` of final statuses only) can never
 * hold, while one that a RUNNING, PENDING... satisfies may still, by an occurrence
 * not yet processed.
 */
function canStillHold(compiled: CompiledTrigger, index: number, occurrence: Occurrence): boolean {
  if (occurrence.kind !== "status") return false;
  if (!isFinalStatus(occurrence.status)) return true;
  const condition = compiled.conditions[index]?.condition;
  if (!condition || condition.kind === "cron" || condition.kind === "event") return false;
  return !statusesOf(condition).every(isFinalStatus);
}

/** Conditions of the groups that are not ready, as far as their most advanced entry goes. */
function missingConditions(
  compiled: CompiledTrigger,
  entries: readonly JoinEntry[],
  ready: ReadonlyArray<JoinEntry | undefined>,
): number[] {
  const missing: number[] = [];
  compiled.groups.forEach((conditions, group) => {
    if (ready[group]) return;
    let best: JoinEntry | undefined;
    for (const candidate of entries) {
      if (candidate.group !== group) continue;
      if (!best || Object.keys(candidate.satisfied).length > Object.keys(best.satisfied).length)
        best = candidate;
    }
    missing.push(...conditions.filter((index) => !best || !(index in best.satisfied)));
  });
  return missing.sort((a, b) => a - b);
}
