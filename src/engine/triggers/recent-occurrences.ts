import type { StoredEvent } from "../../domain/event.js";
import type { Invocation } from "../../domain/invocation.js";
import {
  cronOccurrence,
  eventOccurrence,
  type Occurrence,
  statusOccurrenceId,
} from "../../domain/occurrence.js";
import { sourceTaskOf } from "../../domain/trigger.js";
import type { EventQuery, InvocationQuery, Page } from "../../store/store.js";
import type { CompiledTrigger } from "./compiled-trigger.js";

/** Occurrences a dry run replays at most. */
export const MAX_RECENT = 1_000;

/** Where the stored occurrences of a trigger's sources are read (the orchestrator's invocations and events). */
export interface RecentSources {
  invocations: { list(query: InvocationQuery): Promise<Page<Invocation>> };
  events: { list(query: EventQuery): Promise<Page<StoredEvent>> };
}

/**
 * The last `count` stored occurrences of a trigger's sources, newest first (docs/design.md
 * §3.13): the latest invocations of each task a condition listens to (in the state they
 * are in now), the latest events of each event code, and the last slots of each cron
 * condition up to `now`.
 */
export async function recentOccurrences(
  compiled: CompiledTrigger,
  sources: RecentSources,
  count: number,
  now: number,
): Promise<Occurrence[]> {
  const found = new Map<string, Occurrence>();
  for (const { condition, cron, index } of compiled.conditions) {
    const taskId = sourceTaskOf(condition);
    let occurrences: Occurrence[] = [];
    if (taskId !== undefined)
      occurrences = (await sources.invocations.list({ taskId, limit: count })).items.map(statusOccurrenceOf);
    else if (condition.kind === "event")
      occurrences = (await sources.events.list({ code: condition.code, limit: count })).items.map(
        eventOccurrence,
      );
    else if (cron) {
      let slot = cron.latestAtOrBefore(now);
      for (let i = 0; i < count && Number.isFinite(slot); i++, slot = cron.latestAtOrBefore(slot - 1)) {
        occurrences.push(
          cronOccurrence(
            { triggerId: compiled.trigger.id, conditionIndex: index, scheduledTime: slot },
            slot,
          ),
        );
      }
    }
    for (const occurrence of occurrences) found.set(occurrence.id, occurrence);
  }
  return [...found.values()].sort((a, b) => b.at - a.at).slice(0, count);
}

/** An invocation, in the state it is in now, as the occurrence of its latest change. */
function statusOccurrenceOf(invocation: Invocation): Occurrence {
  const { id, taskId, status, arguments: args, result, error, attempt, updatedAt, version } = invocation;
  return {
    kind: "status",
    id: statusOccurrenceId(id, version),
    at: updatedAt,
    invocationId: id,
    taskId,
    status,
    arguments: args,
    attempt,
    ...(result === undefined ? {} : { result }),
    ...(error === undefined ? {} : { error }),
  };
}
