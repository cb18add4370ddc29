import type { JsonObject } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { TriggerContext as TriggerContextMessage } from "@nenc/protocol/gen/nenc/v1/context_pb.js";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import {
  type DryRunCondition,
  ConditionVerdict as VerdictMessage,
} from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { NencError } from "../domain/errors.js";
import type { InvocationStatus as DomainStatus } from "../domain/invocation.js";
import { cronOccurrence, type Occurrence } from "../domain/occurrence.js";
import type { CompiledTrigger } from "../engine/triggers/compiled-trigger.js";
import type { DryRun } from "../engine/triggers/trigger-evaluator.js";
import { optionalMs } from "./convert.js";
import { statusFromProto, valueToJson } from "./convert-trigger.js";

const DRY_RUN_ID = "dry-run";

/**
 * The occurrence a dry run's context describes, for `compiled` (a cron slot names its
 * trigger's first cron condition). Unset times are `now`; unset ids are "dry-run".
 */
export function occurrenceFromContext(
  message: TriggerContextMessage | undefined,
  compiled: CompiledTrigger,
  now: number,
): Occurrence {
  const kind = message?.kind;
  const at = (time: Parameters<typeof optionalMs>[0]) => optionalMs(time) ?? now;
  const task = (
    value: { invocationId: string; taskId: string; arguments?: JsonObject; status: InvocationStatus },
    fallback: DomainStatus,
  ) => ({
    kind: "status" as const,
    id: `${value.invocationId || DRY_RUN_ID}@dry-run`,
    invocationId: value.invocationId || DRY_RUN_ID,
    taskId: value.taskId,
    arguments: value.arguments ?? {},
    status:
      value.status === InvocationStatus.INVOCATION_STATUS_UNSPECIFIED
        ? fallback
        : statusFromProto(value.status, "context.status"),
    attempt: 1,
  });
  switch (kind?.case) {
    case "status":
      return { ...task(kind.value, "SUCCESS"), at: at(kind.value.timestamp) };
    case "result":
      return {
        ...task(kind.value, "SUCCESS"),
        at: at(kind.value.timestamp),
        result: valueToJson(kind.value.result, "context.result.result"),
      };
    case "exception": {
      const { exceptionType: type, exceptionMessage, exceptionChain, stack } = kind.value;
      const chain = exceptionChain.length > 0 ? [...exceptionChain] : [type];
      return {
        ...task(kind.value, "FAILED"),
        at: at(kind.value.timestamp),
        error: { type, message: exceptionMessage, chain, stack },
      };
    }
    case "event":
      return {
        kind: "event",
        id: kind.value.eventId || DRY_RUN_ID,
        at: at(kind.value.timestamp),
        code: kind.value.eventCode,
        payload: kind.value.payload ?? {},
      };
    case "cron":
      return cronSlotOf(
        compiled,
        at(kind.value.scheduledTime),
        optionalMs(kind.value.lastScheduledTime),
        now,
      );
    default:
      throw NencError.invalid("context", "is required: a status, result, exception, event or cron context");
  }
}

/** The slot of a dry run's cron context, as an occurrence of the trigger's first cron condition. */
function cronSlotOf(
  compiled: CompiledTrigger,
  scheduledTime: number,
  last: number | undefined,
  now: number,
): Occurrence {
  const condition = compiled.conditions.find((candidate) => candidate.cron);
  if (!condition)
    throw NencError.invalid("context.cron", "the trigger has no cron condition for a cron context");
  const slot = { triggerId: compiled.trigger.id, conditionIndex: condition.index, scheduledTime };
  return cronOccurrence(last === undefined ? slot : { ...slot, lastScheduledTime: last }, now);
}

const VERDICTS = {
  match: VerdictMessage.MATCH,
  unrelated: VerdictMessage.UNRELATED,
  filtered: VerdictMessage.FILTERED,
  error: VerdictMessage.ERROR,
} as const;

/** A dry run's answer as DryRunTriggerResponse's fields. */
export function dryRunToProto(run: DryRun): {
  wouldFire: boolean;
  arguments?: JsonObject;
  conditions: Array<Pick<DryRunCondition, "conditionIndex" | "verdict" | "detail">>;
  detail: string;
} {
  return {
    wouldFire: run.wouldFire,
    ...(run.arguments ? { arguments: run.arguments } : {}),
    conditions: run.verdicts.map((verdict, conditionIndex) => ({
      conditionIndex,
      verdict: VERDICTS[verdict.kind],
      detail: "detail" in verdict ? verdict.detail : "",
    })),
    detail: run.detail,
  };
}

/** One replayed occurrence of a `recent` dry run, as DryRunReplay's fields. */
export function replayToProto(occurrence: Occurrence, run: DryRun) {
  return {
    occurrenceId: occurrence.id,
    at: timestampFromMs(occurrence.at),
    wouldFire: run.wouldFire,
    ...(run.arguments ? { arguments: run.arguments } : {}),
    detail: run.detail,
  };
}
