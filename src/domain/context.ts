import type { InvocationStatus } from "./invocation.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { Occurrence } from "./occurrence.js";
import type { Condition, ContextKind } from "./trigger.js";

/** What filters, providers and CEL expressions see of one occurrence (docs/design.md §3.1). */
export type TriggerContext = StatusContext | ResultContext | ExceptionContext | EventContext | CronContext;

/** An invocation reaching a status: what status conditions and their functions see. */
export interface StatusContext {
  kind: "status";
  invocationId: string;
  taskId: string;
  /** The invocation's call arguments. */
  arguments: JsonObject;
  status: InvocationStatus;
  /** When the status was reached (epoch ms). */
  timestamp: number;
}

/** A SUCCESS with its result: what result conditions see. */
export interface ResultContext extends Omit<StatusContext, "kind"> {
  kind: "result";
  result: JsonValue;
}

/** A final failure with its error: what exception conditions see. */
export interface ExceptionContext extends Omit<StatusContext, "kind"> {
  kind: "exception";
  exceptionType: string;
  exceptionMessage: string;
  /** Type names, most specific first (JS prototype chain, Python MRO). */
  exceptionChain: string[];
  stack: string;
}

/** An emitted event: what event conditions see. */
export interface EventContext {
  kind: "event";
  eventId: string;
  eventCode: string;
  payload: JsonObject;
  /** When the event was emitted (epoch ms). */
  timestamp: number;
}

/** A cron slot: what cron conditions see (docs/design.md §3.9). */
export interface CronContext {
  kind: "cron";
  /** The slot's time (epoch ms), not the time it ran. */
  scheduledTime: number;
  /** When the slot was claimed and logged (epoch ms). */
  firedAt: number;
  /** The slot before this one, when known. */
  lastScheduledTime?: number;
}

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
