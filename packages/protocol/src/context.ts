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

/** An invocation reaching a status: what status conditions and their functions see. */
export interface StatusContext<Time> {
  kind: "status";
  invocationId: string;
  taskId: string;
  /** The invocation's call arguments. */
  arguments: JsonObject;
  status: StatusName;
  /** When the status was reached. */
  timestamp: Time;
}

/** A SUCCESS with its result: what result conditions see. */
export interface ResultContext<Time> extends Omit<StatusContext<Time>, "kind"> {
  kind: "result";
  result: JsonValue;
}

/** A final failure with its error: what exception conditions see. */
export interface ExceptionContext<Time> extends Omit<StatusContext<Time>, "kind"> {
  kind: "exception";
  exceptionType: string;
  exceptionMessage: string;
  /** Type names, most specific first (JS prototype chain, Python MRO). */
  exceptionChain: string[];
  stack: string;
}

/** An emitted event: what event conditions see. */
export interface EventContext<Time> {
  kind: "event";
  eventId: string;
  eventCode: string;
  payload: JsonObject;
  /** When the event was emitted. */
  timestamp: Time;
}

/** A cron slot: what cron conditions see. */
export interface CronContext<Time> {
  kind: "cron";
  /** The slot's time, not the time it ran. */
  scheduledTime: Time;
  /** When the orchestrator claimed and logged the slot. */
  firedAt: Time;
  /** The slot before this one, when known. */
  lastScheduledTime?: Time;
}
