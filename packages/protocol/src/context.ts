/*
 * What filters, providers and CEL expressions see of one occurrence, in the shape
 * both the orchestrator and the SDK use. `Time` is how a moment is held: the
 * orchestrator keeps ms since the epoch (number), the SDK hands out Date.
 */
import type { JsonObject, JsonValue } from "./json-value.js";

/** The status names of an invocation, as both sides spell them. */
export type StatusName = "REGISTERED" | "PENDING" | "RUNNING" | "SUCCESS" | "FAILED" | "RETRY";

/** One occurrence as a filter, provider or CEL expression sees it, by `kind`. */
export type TriggerContext<Time> =
  | StatusContext<Time>
  | ResultContext<Time>
  | ExceptionContext<Time>
  | EventContext<Time>
  | CronContext<Time>;

/** A status of a task's invocation. */
export interface StatusContext<Time> {
  kind: "status";
  invocationId: string;
  taskId: string;
  arguments: JsonObject;
  status: StatusName;
  timestamp: Time;
}

/** A SUCCESS with its result. */
export interface ResultContext<Time> extends Omit<StatusContext<Time>, "kind"> {
  kind: "result";
  result: JsonValue;
}

/** A final failure with its error. */
export interface ExceptionContext<Time> extends Omit<StatusContext<Time>, "kind"> {
  kind: "exception";
  exceptionType: string;
  exceptionMessage: string;
  /** Class names, most specific first. */
  exceptionChain: string[];
  stack: string;
}

/** An emitted event. */
export interface EventContext<Time> {
  kind: "event";
  eventId: string;
  eventCode: string;
  payload: JsonObject;
  timestamp: Time;
}

/** A cron slot. */
export interface CronContext<Time> {
  kind: "cron";
  scheduledTime: Time;
  firedAt: Time;
  lastScheduledTime?: Time;
}
