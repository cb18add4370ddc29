/**
 * The wire of nenc shared by the orchestrator and the TypeScript SDK: JSON ↔
 * google.protobuf.Value, the decode limits, the trigger mapping and the worker
 * stream's JSON-bytes and batch forms. Generated code
 * is imported from `@nenc/protocol/gen/…`; the helpers that need no protobuf from
 * `@nenc/protocol/timers`, `/async-queue`, `/limits` and `/context`.
 */

export { clientTlsOptions } from "./client-tls.js";
export type {
  CronContext,
  EventContext,
  ExceptionContext,
  ResultContext,
  StatusContext,
  StatusName,
  TriggerContext,
} from "./context.js";
export { contextToWire } from "./context-wire.js";
export { type JsonObject, type JsonValue, jsonToValue, valueToJson } from "./json-value.js";
export { DECODE_RECURSION_LIMIT, MAX_JSON_DEPTH } from "./limits.js";
export {
  CONTEXT_KINDS,
  int64ToProto,
  MISFIRE_POLICIES,
  statusName,
  statusToProto,
  triggerToProto,
  type WireCondition,
  type WireContextKind,
  type WireFilter,
  type WireMisfire,
  type WireProvider,
  type WireTrigger,
} from "./trigger.js";
export { PROTOCOL_HEADER, PROTOCOL_VERSION, SDK_HEADER } from "./version.js";
export {
  assignmentArguments,
  assignmentToWire,
  completedReport,
  completedResult,
  jsonTextBytes,
  parseJsonBytes,
  type ReportMessage,
  reportFor,
  reportsFrame,
  valueFields,
  type WireAssignment,
  wireValue,
} from "./worker-wire.js";
