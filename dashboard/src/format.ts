import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { EvaluationOutcome } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";

/** "SUCCESS" for InvocationStatus.SUCCESS. */
export function statusName(status: InvocationStatus): string {
  return InvocationStatus[status] ?? "UNKNOWN";
}

/** "filtered_out" for EvaluationOutcome.FILTERED_OUT: the words the README and the CLI use. */
export function outcomeName(outcome: EvaluationOutcome): string {
  return (EvaluationOutcome[outcome] ?? "unknown").toLowerCase();
}

/** A timestamp as local date and time with milliseconds; "–" when absent. */
export function time(timestamp: Timestamp | undefined): string {
  if (!timestamp) return "–";
  const date = timestampDate(timestamp);
  return `${date.toLocaleString()}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

export function millis(timestamp: Timestamp | undefined): number {
  return timestamp ? timestampDate(timestamp).getTime() : 0;
}

/** A duration in ms, seconds or minutes, whichever reads best. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** JSON for people: indented, or "–" for nothing. */
export function json(value: unknown): string {
  return value === undefined ? "–" : JSON.stringify(value, null, 2);
}

/** The message of a failed call, for the page. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
