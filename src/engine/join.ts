import type { JoinEntry, JoinState, JoinStep } from "../domain/join.js";
import type { Occurrence } from "../domain/occurrence.js";
import type { CompiledTrigger } from "./compiled-trigger.js";

/**
 * Waiting partial matches an AND trigger keeps per correlation key, and correlation
 * keys it keeps, when it sets no cap of its own.
 */
export const DEFAULT_MAX_PENDING = 10_000;

/** The source item an occurrence belongs to: its invocation, its event, its slot. */
export function sourceKeyOf(occurrence: Occurrence): string {
  return occurrence.kind === "status" ? occurrence.invocationId : occurrence.id;
}

/**
 * Applies one occurrence, which satisfied the conditions `matched` of an AND trigger,
 * to the trigger's join state. Pure: the store runs it atomically.
 *
 * Conditions on one source (a task, an event code) are correlated by source item,
 * so "SUCCESS and any result of one task" completes with one invocation. Across
 * sources, the oldest ready entry of each group is used and consumed, so an
 * occurrence never takes part in two firings and a stale partner is never reused.
 */
export function applyToJoin(
  state: JoinState,
  compiled: CompiledTrigger,
  occurrence: Occurrence,
  matched: readonly number[],
  now: number,
): JoinStep {
  const { withinMs, maxPending } = compiled.trigger.join;
  const expired: JoinEntry[] = [];
  let entries = state.entries.map((entry) => ({ ...entry, satisfied: { ...entry.satisfied } }));
  if (withinMs > 0) {
    const cutoff = now - withinMs;
    expired.push(...entries.filter((entry) => entry.firstAt < cutoff));
    entries = entries.filter((entry) => entry.firstAt >= cutoff);
  }

  const group = (compiled.conditions[matched[0] as number] as { group: number }).group;
  const key = sourceKeyOf(occurrence);
  let entry = entries.find((candidate) => candidate.group === group && candidate.key === key);
  if (!entry) {
    entry = { group, key, firstAt: occurrence.at, satisfied: {} };
    entries.push(entry);
  }
  for (const index of matched) entry.satisfied[index] ??= occurrence;

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

  const cap = maxPending > 0 ? maxPending : DEFAULT_MAX_PENDING;
  while (entries.length > cap) expired.push(entries.shift() as JoinEntry);
  return {
    state: { entries },
    outcome: { kind: "waiting", missing: missingConditions(compiled, entries, ready) },
    expired,
  };
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
