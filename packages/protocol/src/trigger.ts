import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { StatusName } from "./context.js";
import { InvocationStatus } from "./gen/nenc/v1/invocation_pb.js";
import {
  type ArgumentProvider as ArgumentProviderMessage,
  ArgumentProviderSchema,
  type Condition as ConditionMessage,
  ConditionSchema,
  ContextKind,
  type Filter as FilterMessage,
  FilterSchema,
  FunctionProviderSchema,
  MisfirePolicy,
  RepeatedHourPolicy,
  SkippedHourPolicy,
  TriggerLogic,
  type Trigger as TriggerMessage,
  type TriggerOrigin,
  TriggerSchema,
} from "./gen/nenc/v1/trigger_pb.js";
import { type JsonObject, type JsonValue, jsonToValue } from "./json-value.js";

/*
 * The parts of a trigger both the SDK (its builder's output) and the orchestrator
 * (its stored definition) send: structural types each side's own types fit.
 */

/** A predicate over one JSON value. */
export type WireFilter =
  | { kind: "value"; value: JsonValue }
  | { kind: "cel"; expression: string }
  | { kind: "function"; functionId: string };

/** What a provider function asks to receive. */
export type WireContextKind = "status" | "result" | "exception" | "event" | "cron";

/** What a cron condition does with missed slots. */
export type WireMisfire = "skip" | "once" | "all";

/** One condition of a trigger; `F` lets a side carry more with its filters (the SDK its functions). */
export type WireCondition<F extends WireFilter = WireFilter> =
  | {
      kind: "cron";
      expression: string;
      timezone: string;
      misfire: WireMisfire;
      catchUpWindowMs: number;
      /** Absent: once (the default). */
      repeatedHour?: "once" | "twice";
      /** Absent: shift (the default). */
      skippedHour?: "shift" | "skip";
    }
  | { kind: "status"; taskId: string; statuses: readonly StatusName[]; callArguments?: F }
  | { kind: "result"; taskId: string; filterResult?: F; callArguments?: F }
  | { kind: "exception"; taskId: string; exceptionTypes: string[]; callArguments?: F }
  | { kind: "event"; code: string; payloadFilter?: F };

/** One argument provider of a trigger. */
export type WireProvider =
  | { kind: "static"; value: JsonObject }
  | { kind: "cel"; expression: string }
  | { kind: "function"; functionId: string; context?: WireContextKind };

/** A trigger's definition as it travels. */
export interface WireTrigger {
  targetTaskId: string;
  appId: string;
  logic: "and" | "or";
  conditions: readonly WireCondition[];
  providers: readonly WireProvider[];
  join: { withinMs: number; correlationKey: string; maxPending: number };
}

/** The wire number of each misfire policy. */
export const MISFIRE_POLICIES: Record<WireMisfire, MisfirePolicy> = {
  skip: MisfirePolicy.SKIP,
  once: MisfirePolicy.ONCE,
  all: MisfirePolicy.ALL,
};

/** The wire number of each context kind. */
export const CONTEXT_KINDS: Record<WireContextKind, ContextKind> = {
  status: ContextKind.STATUS,
  result: ContextKind.RESULT,
  exception: ContextKind.EXCEPTION,
  event: ContextKind.EVENT,
  cron: ContextKind.CRON,
};

/** The wire number of a status. */
export function statusToProto(status: StatusName): InvocationStatus {
  return InvocationStatus[status];
}

/** The name of a status number (the unspecified one included). */
export function statusName(status: InvocationStatus): StatusName {
  return InvocationStatus[status] as StatusName;
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * A number as a proto int64. Values are range-checked when written, but an older
 * version may have stored one beyond int64 (a Number past 2^63 rounds up to it):
 * clamped, so that sending never fails.
 */
export function int64ToProto(value: number): bigint {
  if (Number.isNaN(value)) return 0n;
  if (value >= 2 ** 63) return INT64_MAX;
  if (value <= -(2 ** 63)) return -INT64_MAX - 1n;
  return BigInt(Math.trunc(value));
}

/** A number as a proto int32, clamped. */
function int32ToProto(value: number): number {
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(value) || 0));
}

/**
 * The Trigger message of a definition; `extra` sets the fields only the
 * orchestrator fills in (id, origin, paused, createdAt).
 */
export function triggerToProto(
  trigger: WireTrigger,
  extra: { id?: string; origin?: TriggerOrigin; paused?: boolean; createdAt?: Timestamp } = {},
): TriggerMessage {
  return create(TriggerSchema, {
    ...extra,
    targetTaskId: trigger.targetTaskId,
    appId: trigger.appId,
    logic: trigger.logic === "or" ? TriggerLogic.OR : TriggerLogic.AND,
    conditions: trigger.conditions.map(conditionToProto),
    argumentProviders: trigger.providers.map(providerToProto),
    join: {
      withinMs: int64ToProto(trigger.join.withinMs),
      correlationKey: trigger.join.correlationKey,
      maxPending: int32ToProto(trigger.join.maxPending),
    },
  });
}

function conditionToProto(condition: WireCondition): ConditionMessage {
  switch (condition.kind) {
    case "cron":
      return create(ConditionSchema, {
        kind: {
          case: "cron",
          value: {
            expression: condition.expression,
            timezone: condition.timezone,
            misfire: MISFIRE_POLICIES[condition.misfire],
            catchUpWindowMs: int64ToProto(condition.catchUpWindowMs),
            repeatedHour:
              condition.repeatedHour === "twice" ? RepeatedHourPolicy.TWICE : RepeatedHourPolicy.UNSPECIFIED,
            skippedHour:
              condition.skippedHour === "skip" ? SkippedHourPolicy.SKIP : SkippedHourPolicy.UNSPECIFIED,
          },
        },
      });
    case "status":
      return create(ConditionSchema, {
        kind: {
          case: "status",
          value: {
            taskId: condition.taskId,
            statuses: condition.statuses.map(statusToProto),
            ...filterField("callArguments", condition.callArguments),
          },
        },
      });
    case "result":
      return create(ConditionSchema, {
        kind: {
          case: "result",
          value: {
            taskId: condition.taskId,
            ...filterField("filterResult", condition.filterResult),
            ...filterField("callArguments", condition.callArguments),
          },
        },
      });
    case "exception":
      return create(ConditionSchema, {
        kind: {
          case: "exception",
          value: {
            taskId: condition.taskId,
            exceptionTypes: condition.exceptionTypes,
            ...filterField("callArguments", condition.callArguments),
          },
        },
      });
    case "event":
      return create(ConditionSchema, {
        kind: {
          case: "event",
          value: { code: condition.code, ...filterField("payloadFilter", condition.payloadFilter) },
        },
      });
  }
}

function filterField<K extends string>(key: K, filter: WireFilter | undefined): { [P in K]?: FilterMessage } {
  if (!filter) return {};
  const message =
    filter.kind === "value"
      ? create(FilterSchema, { kind: { case: "value", value: jsonToValue(filter.value) } })
      : filter.kind === "cel"
        ? create(FilterSchema, { kind: { case: "cel", value: filter.expression } })
        : create(FilterSchema, { kind: { case: "function", value: filter.functionId } });
  return { [key]: message } as { [P in K]?: FilterMessage };
}

function providerToProto(provider: WireProvider): ArgumentProviderMessage {
  switch (provider.kind) {
    case "static":
      return create(ArgumentProviderSchema, { kind: { case: "static", value: jsonToValue(provider.value) } });
    case "cel":
      return create(ArgumentProviderSchema, { kind: { case: "cel", value: provider.expression } });
    case "function":
      return create(ArgumentProviderSchema, {
        kind: {
          case: "function",
          value: create(FunctionProviderSchema, {
            function: provider.functionId,
            context: provider.context ? CONTEXT_KINDS[provider.context] : ContextKind.UNSPECIFIED,
          }),
        },
      });
  }
}
