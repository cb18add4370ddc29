import type { TriggerContext } from "../../domain/context.js";
import type { JsonObject, JsonValue } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";

/**
 * The CEL variables of an occurrence. Every variable of its kind is bound (null
 * when absent, e.g. `result` of a failure) so that expressions can test for it.
 */
export function occurrenceVariables(occurrence: Occurrence): Record<string, JsonValue> {
  switch (occurrence.kind) {
    case "status":
      return {
        invocationId: occurrence.invocationId,
        taskId: occurrence.taskId,
        arguments: occurrence.arguments,
        status: occurrence.status,
        timestamp: occurrence.at,
        attempt: occurrence.attempt,
        result: occurrence.result ?? null,
        exceptionType: occurrence.error?.type ?? null,
        exceptionMessage: occurrence.error?.message ?? null,
        exceptionChain: occurrence.error?.chain ?? [],
      };
    case "event":
      return {
        eventId: occurrence.id,
        eventCode: occurrence.code,
        payload: occurrence.payload,
        timestamp: occurrence.at,
      };
    case "cron":
      return {
        scheduledTime: occurrence.scheduledTime,
        firedAt: occurrence.at,
        lastScheduledTime: occurrence.lastScheduledTime ?? null,
      };
  }
}

/** A context as JSON (for CEL's `contexts` variable and the wire). */
export function contextToJson(context: TriggerContext): JsonObject {
  return { ...context } as unknown as JsonObject;
}
