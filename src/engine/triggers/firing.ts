import type { Occurrence } from "../../domain/occurrence.js";
import type { Traceparent } from "../../domain/trace.js";
import type { Firing } from "../../store/store.js";
import { newId } from "../ids.js";
import type { buildArguments, UsedOccurrence } from "./arguments.js";
import type { CompiledTrigger } from "./compiled-trigger.js";

/** The arguments a trigger's providers built. */
export type FiringArguments = Awaited<ReturnType<typeof buildArguments>>;

/**
 * The firing of `compiled` by `occurrence` (which completed `used`): its new
 * invocation, with provenance, and its once-only key `${triggerId}|${occurrenceId}`.
 */
export function newFiring(
  compiled: CompiledTrigger,
  occurrence: Occurrence,
  used: readonly UsedOccurrence[],
  args: FiringArguments,
  createdAt: number,
  traceparent: Traceparent | undefined,
): Firing {
  const { trigger } = compiled;
  const unique = (ids: string[]) => [...new Set(ids)];
  const occurrences = used.map((item) => item.occurrence);
  const eventIds = unique(occurrences.flatMap((o) => (o.kind === "event" ? [o.id] : [])));
  return {
    triggerId: trigger.id,
    invocation: {
      id: newId("inv"),
      taskId: trigger.targetTaskId,
      appId: trigger.appId,
      arguments: args,
      provenance: {
        triggerId: trigger.id,
        occurrenceIds: unique(occurrences.map((o) => o.id)),
        sourceInvocationIds: unique(
          occurrences.flatMap((o) => (o.kind === "status" ? [o.invocationId] : [])),
        ),
        eventIds,
      },
      createdAt,
      ...(traceparent ? { traceparent } : {}),
    },
    firingKey: `${trigger.id}|${occurrence.id}`,
    eventIds,
  };
}

/** The detail of a "fired" evaluation record. */
export function firedDetail(targetTaskId: string): string {
  return `invoked ${targetTaskId}`;
}
