import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { contextToWire, type StatusName, type TriggerContext } from "@nenc/protocol";
import { ConditionVerdict } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { triggerToProto } from "./convert.js";
import { rpc } from "./errors.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { TaskRef, TriggerBuilder } from "./trigger-builder.js";
import type { TriggerHost } from "./trigger-host.js";

/**
 * The occurrence a dry run evaluates, as the trigger's filters and providers would see
 * it; ids default to "dry-run", times to now, a status to SUCCESS (FAILED for an exception).
 */
export type DryRunContext =
  | {
      kind: "status";
      taskId: string;
      status?: StatusName;
      arguments?: JsonObject;
      invocationId?: string;
      timestamp?: Date;
    }
  | {
      kind: "result";
      taskId: string;
      result: JsonValue;
      arguments?: JsonObject;
      invocationId?: string;
      timestamp?: Date;
    }
  | {
      kind: "exception";
      taskId: string;
      exceptionType: string;
      exceptionMessage?: string;
      /** Type names, most specific first; default [exceptionType]. */
      exceptionChain?: string[];
      arguments?: JsonObject;
      invocationId?: string;
      timestamp?: Date;
    }
  | { kind: "event"; eventCode: string; payload?: JsonObject; eventId?: string; timestamp?: Date }
  | { kind: "cron"; scheduledTime: Date; lastScheduledTime?: Date };

/** What a trigger would do with the occurrence: fire with these arguments, or which condition says no. */
export interface DryRunResult {
  wouldFire: boolean;
  /** The arguments it would fire with. */
  arguments?: JsonObject;
  /** One per condition, in order. */
  conditions: Array<{ index: number; verdict: "match" | "unrelated" | "filtered" | "error"; detail: string }>;
  /** Why, in the words explain records use. */
  detail: string;
}

/** What the trigger would do with one of its sources' stored occurrences (dryRun with `recent`). */
export interface DryRunReplay {
  occurrenceId: string;
  at: Date;
  wouldFire: boolean;
  arguments?: JsonObject;
  detail: string;
}

/**
 * DryRunTrigger with `recent`: the last `recent` stored occurrences of a stored trigger's
 * sources (at most 1000), newest first, each with what the trigger would do with it.
 */
export async function dryRunRecent(
  host: TriggerHost,
  triggerId: string,
  recent: number,
): Promise<DryRunReplay[]> {
  const response = await rpc(() =>
    host.clients.triggers.dryRunTrigger({ subject: { case: "id", value: triggerId }, recent }),
  );
  return response.replays.map((replay) => ({
    occurrenceId: replay.occurrenceId,
    at: replay.at ? timestampDate(replay.at) : new Date(0),
    wouldFire: replay.wouldFire,
    ...(replay.arguments ? { arguments: replay.arguments as JsonObject } : {}),
    detail: replay.detail,
  }));
}

/** The context in full, defaults filled in. */
function fullContext(context: DryRunContext): TriggerContext<Date> {
  const now = new Date();
  if (context.kind === "event") return { eventId: "dry-run", payload: {}, timestamp: now, ...context };
  if (context.kind === "cron") return { firedAt: now, ...context };
  const task = { invocationId: "dry-run", arguments: {}, timestamp: now };
  if (context.kind === "exception")
    return {
      ...task,
      status: "FAILED",
      exceptionMessage: "",
      exceptionChain: [context.exceptionType],
      stack: "",
      ...context,
    };
  return { ...task, status: "SUCCESS", ...context } as TriggerContext<Date>;
}

const VERDICTS = {
  [ConditionVerdict.MATCH]: "match",
  [ConditionVerdict.UNRELATED]: "unrelated",
  [ConditionVerdict.FILTERED]: "filtered",
  [ConditionVerdict.ERROR]: "error",
} as const;

/**
 * DryRunTrigger for a stored trigger (its id) or a builder not stored (with the task it
 * would target): nothing fires, nothing is recorded.
 */
export async function dryRun(
  host: TriggerHost,
  subject: string | TriggerBuilder,
  options: { context: DryRunContext; target?: TaskRef },
): Promise<DryRunResult> {
  let request: {
    subject: { case: "id"; value: string } | { case: "definition"; value: ReturnType<typeof triggerToProto> };
  };
  if (typeof subject === "string") request = { subject: { case: "id", value: subject } };
  else {
    if (!options.target) throw new TypeError("dryRun: a builder needs the task it would target: { target }");
    const spec = subject.build();
    host.registerFunctions(spec, "dryRun");
    const targetTaskId = typeof options.target === "string" ? options.target : options.target.name;
    request = { subject: { case: "definition", value: triggerToProto(spec, targetTaskId, host.appId) } };
  }
  const context = contextToWire(fullContext(options.context), timestampFromDate);
  const response = await rpc(() => host.clients.triggers.dryRunTrigger({ ...request, context }));
  return {
    wouldFire: response.wouldFire,
    ...(response.arguments ? { arguments: response.arguments as JsonObject } : {}),
    conditions: response.conditions.map((condition) => ({
      index: condition.conditionIndex,
      verdict: VERDICTS[condition.verdict as keyof typeof VERDICTS] ?? "error",
      detail: condition.detail,
    })),
    detail: response.detail,
  };
}
