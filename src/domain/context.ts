import type { TriggerContext as WireContext } from "@nenc/protocol/context";
import type { Occurrence } from "./occurrence.js";
import type { Condition, ContextKind } from "./trigger.js";

/**
 * What filters, providers and CEL expressions see of one occurrence (docs/design.md
 * §3.1), with times in epoch ms. Its shape is the wire's, shared with the SDK (which
 * has Dates): @nenc/protocol/context.
 */
export type TriggerContext = WireContext<number>;

/** The context a condition naturally produces for an occurrence it matched. */
export function naturalContext(occurrence: Occurrence, condition: Condition): TriggerContext {
  const kind: ContextKind =
    condition.kind === "result" ? "result" : condition.kind === "exception" ? "exception" : condition.kind;
  return contextAs(occurrence, kind) ?? contextAs(occurrence, defaultKind(occurrence))!;
}

function defaultKind(occurrence: Occurrence): ContextKind {
  return occurrence.kind === "status" ? "status" : occurrence.kind;
}

/**
 * The context of `kind` for an occurrence, or undefined when the occurrence cannot
 * provide it (a result context of a failure, an event context of a cron slot).
 */
export function contextAs(occurrence: Occurrence, kind: ContextKind): TriggerContext | undefined {
  switch (occurrence.kind) {
    case "event":
      return kind === "event"
        ? {
            kind,
            eventId: occurrence.id,
            eventCode: occurrence.code,
            payload: occurrence.payload,
            timestamp: occurrence.at,
          }
        : undefined;
    case "cron":
      return kind === "cron"
        ? {
            kind,
            scheduledTime: occurrence.scheduledTime,
            firedAt: occurrence.at,
            ...(occurrence.lastScheduledTime === undefined
              ? {}
              : { lastScheduledTime: occurrence.lastScheduledTime }),
          }
        : undefined;
    case "status": {
      const base = {
        invocationId: occurrence.invocationId,
        taskId: occurrence.taskId,
        arguments: occurrence.arguments,
        status: occurrence.status,
        timestamp: occurrence.at,
      };
      if (kind === "status") return { kind, ...base };
      if (kind === "result" && occurrence.status === "SUCCESS") {
        return { kind, ...base, result: occurrence.result ?? null };
      }
      if (kind === "exception" && occurrence.error) {
        return {
          kind,
          ...base,
          exceptionType: occurrence.error.type,
          exceptionMessage: occurrence.error.message,
          exceptionChain: occurrence.error.chain,
          stack: occurrence.error.stack,
        };
      }
      return undefined;
    }
  }
}
