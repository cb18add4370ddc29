import type { JsonObject, JsonValue } from "./json.js";
import type { InvocationStatus } from "./status.js";

/** A status of a task's invocation, as a provider function receives it. */
export interface StatusContext {
  kind: "status";
  invocationId: string;
  taskId: string;
  arguments: JsonObject;
  status: InvocationStatus;
  timestamp: Date;
}

/** A SUCCESS with its result. */
export interface ResultContext extends Omit<StatusContext, "kind"> {
  kind: "result";
  result: JsonValue;
}

/** A final failure with its error. */
export interface ExceptionContext extends Omit<StatusContext, "kind"> {
  kind: "exception";
  exceptionType: string;
  exceptionMessage: string;
  /** Class names, most specific first. */
  exceptionChain: string[];
  stack: string;
}

/** An emitted event, as a provider function receives it. */
export interface EventContext {
  kind: "event";
  eventId: string;
  eventCode: string;
  payload: JsonObject;
  timestamp: Date;
}

/** A cron slot, as a provider function receives it. */
export interface CronContext {
  kind: "cron";
  /** The slot's time, not the time it ran. */
  scheduledTime: Date;
  /** When the orchestrator claimed the slot. */
  firedAt: Date;
  /** The slot before this one, when known. */
  lastScheduledTime?: Date;
}

/** Any context; `kind` tells which. withArgsFromContext and a provider's second argument see these. */
export type TriggerContext = StatusContext | ResultContext | ExceptionContext | EventContext | CronContext;

/**
 * An argument provider function: receives the context it asked for (the one of the
 * occurrence that fired the trigger for withArgsFromContext) and every context that
 * took part (a composite trigger's provider sees them all); returns named arguments.
 */
export type ProviderFunction<C extends TriggerContext = TriggerContext> = (
  context: C,
  contexts: TriggerContext[],
) => JsonObject | Promise<JsonObject>;
