import type { StoredEvent } from "./event.js";
import type { InvocationStatus, TaskError } from "./invocation.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { Traceparent } from "./trace.js";

/**
 * Something that happened and that triggers react to. Its id is the occurrence half
 * of a firing's identity (trigger id, occurrence id).
 */
export type Occurrence = StatusOccurrence | EventOccurrence | CronOccurrence;

/** An invocation reached a status. id = `${invocationId}@${version}`. */
export interface StatusOccurrence {
  kind: "status";
  id: string;
  /** When the status was reached (epoch ms). */
  at: number;
  invocationId: string;
  taskId: string;
  status: InvocationStatus;
  arguments: JsonObject;
  result?: JsonValue;
  error?: TaskError;
  /** The attempt that reached the status (1 for the first). */
  attempt: number;
  /** The invocation's trace context. */
  traceparent?: Traceparent;
}

/** A custom event was emitted. id = the event id. */
export interface EventOccurrence {
  kind: "event";
  id: string;
  /** When the event was emitted (epoch ms). */
  at: number;
  code: string;
  payload: JsonObject;
  /** The event's trace context (its emitter's). */
  traceparent?: Traceparent;
}

/** A cron slot of one trigger came due. id = `cron:${triggerId}:${conditionIndex}:${scheduledTime}`. */
export interface CronOccurrence {
  kind: "cron";
  id: string;
  /** When the slot was claimed (epoch ms). */
  at: number;
  triggerId: string;
  /** Which condition of the trigger the slot belongs to. */
  conditionIndex: number;
  /** The slot's time (epoch ms). */
  scheduledTime: number;
  /** The slot before it, when known. */
  lastScheduledTime?: number;
}

/** The id of the occurrence of an invocation's change number `version`. */
export function statusOccurrenceId(invocationId: string, version: number): string {
  return `${invocationId}@${version}`;
}

/** The id of one cron slot of one condition of a trigger: the same on every replica. */
export function cronOccurrenceId(triggerId: string, conditionIndex: number, scheduledTime: number): string {
  return `cron:${triggerId}:${conditionIndex}:${scheduledTime}`;
}

/** The occurrence of slot `scheduledTime` of condition `conditionIndex` of a trigger, claimed (or replayed) `at`. */
export function cronOccurrence(
  slot: {
    triggerId: string;
    conditionIndex: number;
    scheduledTime: number;
    lastScheduledTime?: number | undefined;
  },
  at: number,
): CronOccurrence {
  const { triggerId, conditionIndex, scheduledTime, lastScheduledTime } = slot;
  return {
    kind: "cron",
    id: cronOccurrenceId(triggerId, conditionIndex, scheduledTime),
    at,
    triggerId,
    conditionIndex,
    scheduledTime,
    ...(lastScheduledTime === undefined ? {} : { lastScheduledTime }),
  };
}

/** The occurrence of a stored event, under the event's id (its emission, or a replay of it). */
export function eventOccurrence(event: StoredEvent): EventOccurrence {
  return {
    kind: "event",
    id: event.id,
    at: event.emittedAt,
    code: event.code,
    payload: event.payload,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  };
}

/** The trace context an occurrence carries: its invocation's or event's (a cron slot has none). */
export function traceOf(occurrence: Occurrence): Traceparent | undefined {
  return occurrence.kind === "cron" ? undefined : occurrence.traceparent;
}
