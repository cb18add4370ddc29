import type { StoredEvent } from "../../domain/event.js";
import {
  INVOCATION_STATUSES,
  type Invocation,
  type InvocationStatus,
  type TaskError,
} from "../../domain/invocation.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";

/**
 * How domain records look in Redis. An invocation is a hash whose mutable fields
 * (status, version, attempt, result, error, asg, worker, asgAt, retryAt, updated) the Lua
 * scripts change in place; JSON-valued fields (args, prov, result, error) are kept
 * as JSON text and never re-encoded by Lua (cjson would round large numbers). Two
 * fields only the scripts read: freq, the request id of the finishAttempt call that
 * ended its last attempt, and creq, "<request id>/<n>" of the claim that assigned it
 * (how a re-sent call recognises its own work; see scripts.ts).
 */
export function decodeInvocation(fields: Record<string, string>): Invocation | undefined {
  if (!fields.id) return undefined;
  const invocation: Invocation = {
    id: fields.id,
    taskId: fields.task ?? "",
    appId: fields.app ?? "",
    status: fields.status as InvocationStatus,
    arguments: JSON.parse(fields.args ?? "{}") as JsonObject,
    attempt: Number(fields.attempt ?? 1),
    version: Number(fields.version ?? 1),
    createdAt: Number(fields.created),
    updatedAt: Number(fields.updated),
  };
  if (fields.result !== undefined) invocation.result = JSON.parse(fields.result) as JsonValue;
  if (fields.error !== undefined) invocation.error = JSON.parse(fields.error) as TaskError;
  if (fields.prov) invocation.provenance = JSON.parse(fields.prov);
  if (fields.asg) {
    invocation.assignment = {
      assignmentId: fields.asg,
      workerId: fields.worker ?? "",
      assignedAt: Number(fields.asgAt ?? fields.updated),
    };
  }
  if (fields.retryAt) invocation.retryAt = Number(fields.retryAt);
  if (fields.tp) invocation.traceparent = fields.tp;
  return invocation;
}

/** The fields of a stream entry by name. */
export function entryFields(fields: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  return map;
}

/**
 * Stream entries of the occurrence log: status occurrences are written by Lua as
 * discrete fields (k=s), events as k=e; everything else as one JSON field `j`.
 * Throws for an entry that is none of these (corrupt, or written by something else).
 */
export function decodeOccurrence(fields: readonly string[]): Occurrence {
  return checkOccurrence(parseOccurrence(entryFields(fields)));
}

function parseOccurrence(map: Map<string, string>): Occurrence {
  const json = map.get("j");
  if (json !== undefined) return JSON.parse(json) as Occurrence;
  const traceparent = map.get("tp");
  if (map.get("k") === "e") {
    return {
      kind: "event",
      id: map.get("id") ?? "",
      at: Number(map.get("at")),
      code: map.get("code") ?? "",
      payload: JSON.parse(map.get("payload") ?? "{}") as JsonObject,
      ...(traceparent ? { traceparent } : {}),
    };
  }
  const occurrence: Occurrence = {
    kind: "status",
    id: map.get("id") ?? "",
    at: Number(map.get("at")),
    invocationId: map.get("inv") ?? "",
    taskId: map.get("task") ?? "",
    status: map.get("status") as InvocationStatus,
    arguments: JSON.parse(map.get("args") ?? "{}") as JsonObject,
    attempt: Number(map.get("attempt") ?? 1),
  };
  const result = map.get("result");
  const error = map.get("error");
  if (result !== undefined) occurrence.result = JSON.parse(result) as JsonValue;
  if (error !== undefined) occurrence.error = JSON.parse(error) as TaskError;
  if (traceparent) occurrence.traceparent = traceparent;
  return occurrence;
}

/** The occurrence, if it has every field the engine reads; otherwise throws saying which is wrong. */
export function checkOccurrence(value: unknown): Occurrence {
  if (!isJsonObject(value)) throw new Error("not a JSON object");
  const fail = (field: string, want: string) => {
    throw new Error(`${field} is ${JSON.stringify(value[field]) ?? "missing"}, not ${want}`);
  };
  const text = (field: string) => {
    if (typeof value[field] !== "string" || value[field] === "") fail(field, "a non-empty string");
  };
  const number = (field: string) => {
    if (typeof value[field] !== "number" || !Number.isFinite(value[field])) fail(field, "a number");
  };
  const object = (field: string) => {
    if (!isJsonObject(value[field])) fail(field, "an object");
  };
  text("id");
  number("at");
  switch (value.kind) {
    case "status":
      text("invocationId");
      text("taskId");
      if (!(INVOCATION_STATUSES as readonly unknown[]).includes(value.status)) fail("status", "a status");
      object("arguments");
      number("attempt");
      break;
    case "event":
      text("code");
      object("payload");
      break;
    case "cron":
      text("triggerId");
      number("conditionIndex");
      number("scheduledTime");
      break;
    default:
      fail("kind", '"status", "event" or "cron"');
  }
  return value as unknown as Occurrence;
}

export function decodeEvent(json: string, invocationIds: string[]): StoredEvent {
  return { ...(JSON.parse(json) as Omit<StoredEvent, "invocationIds">), invocationIds };
}

/** The assignment id the claim script builds: "<invocation>/<version>/<task>". */
export function parseAssignmentId(
  assignmentId: string,
): { invocationId: string; taskId: string } | undefined {
  const match = assignmentId.match(/^([^/]+)\/\d+\/(.+)$/);
  return match ? { invocationId: match[1] as string, taskId: match[2] as string } : undefined;
}
