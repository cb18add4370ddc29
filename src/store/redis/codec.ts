import type { StoredEvent } from "../../domain/event.js";
import type { Invocation, InvocationStatus, TaskError } from "../../domain/invocation.js";
import type { JsonObject, JsonValue } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";

/**
 * How domain records look in Redis. An invocation is a hash whose mutable fields
 * (status, version, attempt, result, error, asg, worker, retryAt, updated) the Lua
 * scripts change in place; JSON-valued fields (args, prov, result, error) are kept
 * as JSON text and never re-encoded by Lua (cjson would round large numbers).
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
  if (fields.asg) invocation.assignment = { assignmentId: fields.asg, workerId: fields.worker ?? "" };
  if (fields.retryAt) invocation.retryAt = Number(fields.retryAt);
  return invocation;
}

/**
 * Stream entries of the occurrence log: status occurrences are written by Lua as
 * discrete fields (k=s); everything else as one JSON field `j`.
 */
export function decodeOccurrence(fields: readonly string[]): Occurrence {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const json = map.get("j");
  if (json !== undefined) return JSON.parse(json) as Occurrence;
  if (map.get("k") === "e") {
    return {
      kind: "event",
      id: map.get("id") ?? "",
      at: Number(map.get("at")),
      code: map.get("code") ?? "",
      payload: JSON.parse(map.get("payload") ?? "{}") as JsonObject,
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
  return occurrence;
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
