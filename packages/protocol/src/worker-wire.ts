import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import {
  type Assignment,
  AssignmentSchema,
  type ConnectRequest,
  ConnectRequestSchema,
  type TaskCompleted,
  type TaskCompletedSchema,
  type TaskFailedSchema,
  type TaskStartedSchema,
} from "./gen/nenc/v1/worker_service_pb.js";
import { type JsonObject, type JsonValue, jsonToValue, valueToJson } from "./json-value.js";

/**
 * The worker stream's cheap forms, shared by the orchestrator and the SDK: values
 * as JSON bytes (when both sides announced json_values) and several reports or
 * assignments in one frame (when the receiver announced batches).
 */

const encoder = new TextEncoder();
// fatal: bytes that are not UTF-8 are refused rather than read as U+FFFD.
const decoder = new TextDecoder("utf-8", { fatal: true });

/** JSON text (already checked to be JSON) as a stream's bytes field. */
export function jsonTextBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * The JSON value of a stream's bytes field. Throws (SyntaxError, TypeError) for
 * bytes that are not UTF-8 JSON text; the caller says which field it was.
 */
export function parseJsonBytes(bytes: Uint8Array): JsonValue {
  return JSON.parse(decoder.decode(bytes)) as JsonValue;
}

/** A value sent either way: the JSON bytes when set, else the google.protobuf.Value (absent = null). */
export function wireValue(json: Uint8Array, value: Value | undefined): JsonValue {
  return json.length > 0 ? parseJsonBytes(json) : valueToJson(value);
}

/** What an Assignment carries, in plain words. */
export interface WireAssignment {
  assignmentId: string;
  invocationId: string;
  taskId: string;
  arguments: JsonObject;
  attempt: number;
  /** The invocation's W3C trace context, when it has one. */
  traceparent?: string;
}

/** An Assignment message: arguments as JSON bytes for a worker that reads them, else as a Struct. */
export function assignmentToWire(assignment: WireAssignment, jsonValues: boolean): Assignment {
  const { assignmentId, invocationId, taskId, attempt } = assignment;
  const traceparent = assignment.traceparent ?? "";
  return jsonValues
    ? create(AssignmentSchema, {
        assignmentId,
        invocationId,
        taskId,
        attempt,
        argumentsJson: jsonTextBytes(JSON.stringify(assignment.arguments)),
        traceparent,
      })
    : create(AssignmentSchema, {
        assignmentId,
        invocationId,
        taskId,
        attempt,
        arguments: assignment.arguments,
        traceparent,
      });
}

/** An Assignment's arguments, from whichever form it carries. */
export function assignmentArguments(assignment: Assignment): JsonObject {
  if (assignment.argumentsJson.length > 0) return parseJsonBytes(assignment.argumentsJson) as JsonObject;
  return assignment.arguments ?? {};
}

/** A value the sender checked and serialised, for a peer that reads JSON bytes (`json`) or not. */
export function valueFields(text: string, json: boolean): { valueJson: Uint8Array } | { value: Value } {
  return json ? { valueJson: jsonTextBytes(text) } : { value: jsonToValue(JSON.parse(text) as JsonValue) };
}

/** A worker's completed report of JSON text it checked, as JSON bytes (`json`) or a Value. */
export function completedReport(assignmentId: string, text: string, json: boolean): ReportMessage {
  return {
    case: "completed",
    value: json
      ? { assignmentId, resultJson: jsonTextBytes(text) }
      : { assignmentId, result: jsonToValue(JSON.parse(text) as JsonValue) },
  };
}

/**
 * A report kept for a later stream, in the form that stream's orchestrator reads:
 * a result in JSON bytes becomes a Value for one that does not read them (a worker
 * may reconnect to an older replica).
 */
export function reportFor(request: ConnectRequest, jsonValues: boolean): ConnectRequest {
  const message = request.message;
  if (jsonValues || message.case !== "completed" || message.value.resultJson.length === 0) return request;
  const { assignmentId, resultJson } = message.value;
  return create(ConnectRequestSchema, {
    message: { case: "completed", value: { assignmentId, result: jsonToValue(parseJsonBytes(resultJson)) } },
  });
}

/** A TaskCompleted's result, from whichever form it carries. Throws as parseJsonBytes/valueToJson. */
export function completedResult(message: TaskCompleted): JsonValue {
  return wireValue(message.resultJson, message.result);
}

/** The one-report messages a worker sends (what a Reports frame groups). */
export type ReportMessage = Extract<
  NonNullable<MessageInitShape<typeof ConnectRequestSchema>["message"]>,
  { case: "started" | "completed" | "failed" }
>;

/**
 * One frame of reports: a lone report as itself, several as a Reports message
 * (starts first, as the receiver applies them).
 */
export function reportsFrame(reports: readonly ReportMessage[]): ConnectRequest {
  if (reports.length === 1) return create(ConnectRequestSchema, { message: reports[0] });
  const started: MessageInitShape<typeof TaskStartedSchema>[] = [];
  const completed: MessageInitShape<typeof TaskCompletedSchema>[] = [];
  const failed: MessageInitShape<typeof TaskFailedSchema>[] = [];
  for (const report of reports) {
    if (report.case === "started") started.push(report.value);
    else if (report.case === "completed") completed.push(report.value);
    else failed.push(report.value);
  }
  return create(ConnectRequestSchema, {
    message: { case: "reports", value: { started, completed, failed } },
  });
}
