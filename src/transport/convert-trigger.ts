import { timestampFromMs, type Value } from "@bufbuild/protobuf/wkt";
import {
  CONTEXT_KINDS,
  parseJsonBytes,
  valueToJson as toJsonValue,
  triggerToProto as wireTriggerToProto,
} from "@nenc/protocol";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import {
  type ArgumentProvider as ArgumentProviderMessage,
  type Condition as ConditionMessage,
  type CronCondition as CronConditionMessage,
  type Filter as FilterMessage,
  MisfirePolicy,
  RepeatedHourPolicy,
  SkippedHourPolicy,
  TriggerLogic,
  type Trigger as TriggerMessage,
  TriggerOrigin,
} from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import { NencError } from "../domain/errors.js";
import type { InvocationStatus as DomainStatus } from "../domain/invocation.js";
import { isJsonObject, type JsonValue } from "../domain/json.js";
import type {
  ArgumentProvider,
  Condition,
  ContextKind as DomainContextKind,
  MisfirePolicy as DomainMisfire,
  Filter,
  Trigger,
  TriggerDefinition,
} from "../domain/trigger.js";

/**
 * JSON of a google.protobuf.Value (absent = null). A Value JSON cannot carry (NaN,
 * Infinity, a Value with no kind set) is refused as INVALID_ARGUMENT naming `field`.
 */
export function valueToJson(value: Value | undefined, field: string): JsonValue {
  try {
    return toJsonValue(value);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      /^cannot encode [^:]*: /,
      "",
    );
    throw NencError.invalid(field, `is not a JSON value: ${reason}`);
  }
}

/**
 * JSON of a value sent either way on the worker stream: the JSON bytes when set,
 * else the google.protobuf.Value. Bytes that are not UTF-8 JSON text are refused
 * as INVALID_ARGUMENT naming `field` (JSON has no NaN or Infinity, so neither
 * arrives this way).
 */
export function wireValueToJson(json: Uint8Array, value: Value | undefined, field: string): JsonValue {
  if (json.length === 0) return valueToJson(value, field);
  try {
    return parseJsonBytes(json);
  } catch (error) {
    throw NencError.invalid(
      field,
      `is not JSON text: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The contract's status enum as a domain status; UNSPECIFIED or an unknown value is
 * INVALID_ARGUMENT naming `field`.
 */
export function statusFromProto(status: InvocationStatus, field: string): DomainStatus {
  const name = InvocationStatus[status] as DomainStatus | "INVOCATION_STATUS_UNSPECIFIED" | undefined;
  if (!name || name === "INVOCATION_STATUS_UNSPECIFIED") {
    throw NencError.invalid(
      field,
      `status ${status} is not a status; use REGISTERED, PENDING, RUNNING, SUCCESS, FAILED or RETRY`,
    );
  }
  return name;
}

/**
 * Reads an enum a client sent: 0 (unspecified) gives `fallback`, a known value its
 * domain name; anything else is refused with the valid values, so a typo or a newer
 * client's value is never silently defaulted.
 */
function enumFromProto<D>(
  value: number,
  known: ReadonlyArray<readonly [number, D, string]>,
  fallback: D,
  field: string,
): D {
  if (value === 0) return fallback;
  const match = known.find(([number]) => number === value);
  if (match) return match[1];
  const valid = known.map(([number, , name]) => `${name} (${number})`).join(", ");
  throw NencError.invalid(field, `is ${value}, not one of its values: ${valid}, or 0 for the default`);
}

const LOGICS = [
  [TriggerLogic.AND, "and", "TRIGGER_LOGIC_AND"],
  [TriggerLogic.OR, "or", "TRIGGER_LOGIC_OR"],
] as const;
const MISFIRES = [
  [MisfirePolicy.SKIP, "skip", "MISFIRE_POLICY_SKIP"],
  [MisfirePolicy.ONCE, "once", "MISFIRE_POLICY_ONCE"],
  [MisfirePolicy.ALL, "all", "MISFIRE_POLICY_ALL"],
] as const;
const REPEATED_HOURS = [
  [RepeatedHourPolicy.ONCE, "once", "REPEATED_HOUR_POLICY_ONCE"],
  [RepeatedHourPolicy.TWICE, "twice", "REPEATED_HOUR_POLICY_TWICE"],
] as const;
const SKIPPED_HOURS = [
  [SkippedHourPolicy.SHIFT, "shift", "SKIPPED_HOUR_POLICY_SHIFT"],
  [SkippedHourPolicy.SKIP, "skip", "SKIPPED_HOUR_POLICY_SKIP"],
] as const;
const CONTEXTS = (Object.keys(CONTEXT_KINDS) as DomainContextKind[]).map(
  (kind) => [CONTEXT_KINDS[kind], kind, `CONTEXT_KIND_${kind.toUpperCase()}`] as const,
);

/** Reads a Trigger message as a definition; throws INVALID_ARGUMENT naming the field. */
export function triggerDefinitionFromProto(message: TriggerMessage, field = "trigger"): TriggerDefinition {
  const logic = enumFromProto<"and" | "or">(message.logic, LOGICS, "and", `${field}.logic`);
  return {
    targetTaskId: message.targetTaskId,
    appId: message.appId,
    logic,
    conditions: message.conditions.map((condition, i) =>
      conditionFromProto(condition, `${field}.conditions[${i}]`),
    ),
    providers: message.argumentProviders.map((provider, i) =>
      providerFromProto(provider, `${field}.argumentProviders[${i}]`),
    ),
    join: {
      withinMs: Number(message.join?.withinMs ?? 0),
      correlationKey: message.join?.correlationKey ?? "",
      maxPending: message.join?.maxPending ?? 0,
    },
  };
}

/** A CronCondition message as the domain's: enums read (unknown ones refused), defaults left absent. */
function cronConditionFromProto(value: CronConditionMessage, field: string): Condition {
  const misfire = enumFromProto<DomainMisfire>(value.misfire, MISFIRES, "skip", `${field}.misfire`);
  const repeatedHour = enumFromProto(value.repeatedHour, REPEATED_HOURS, "once", `${field}.repeatedHour`);
  const skippedHour = enumFromProto(value.skippedHour, SKIPPED_HOURS, "shift", `${field}.skippedHour`);
  return {
    kind: "cron",
    expression: value.expression,
    timezone: value.timezone || "UTC",
    misfire,
    catchUpWindowMs: Number(value.catchUpWindowMs),
    // Defaults stay absent: a definition written before them keeps its id.
    ...(repeatedHour === "twice" ? { repeatedHour } : {}),
    ...(skippedHour === "skip" ? { skippedHour } : {}),
  };
}

function conditionFromProto(message: ConditionMessage, field: string): Condition {
  const kind = message.kind;
  switch (kind.case) {
    case "cron":
      return cronConditionFromProto(kind.value, `${field}.cron`);
    case "status": {
      const statuses = kind.value.statuses.map((status, i) =>
        statusFromProto(status, `${field}.status.statuses[${i}]`),
      );
      return {
        kind: "status",
        taskId: kind.value.taskId,
        statuses: statuses.length > 0 ? statuses : ["SUCCESS"],
        ...optionalFilter("callArguments", kind.value.callArguments, `${field}.status.callArguments`),
      };
    }
    case "result":
      return {
        kind: "result",
        taskId: kind.value.taskId,
        ...optionalFilter("filterResult", kind.value.filterResult, `${field}.result.filterResult`),
        ...optionalFilter("callArguments", kind.value.callArguments, `${field}.result.callArguments`),
      };
    case "exception":
      return {
        kind: "exception",
        taskId: kind.value.taskId,
        exceptionTypes: [...kind.value.exceptionTypes],
        ...optionalFilter("callArguments", kind.value.callArguments, `${field}.exception.callArguments`),
      };
    case "event":
      return {
        kind: "event",
        code: kind.value.code,
        ...optionalFilter("payloadFilter", kind.value.payloadFilter, `${field}.event.payloadFilter`),
      };
    default:
      throw NencError.invalid(field, "sets no condition; set one of cron, status, result, exception, event");
  }
}

function optionalFilter<K extends string>(
  key: K,
  message: FilterMessage | undefined,
  field: string,
): { [P in K]?: Filter } {
  if (!message) return {};
  const kind = message.kind;
  switch (kind.case) {
    case "value":
      return { [key]: { kind: "value", value: valueToJson(kind.value, `${field}.value`) } } as {
        [P in K]?: Filter;
      };
    case "cel":
      return { [key]: { kind: "cel", expression: kind.value } } as { [P in K]?: Filter };
    case "function":
      return { [key]: { kind: "function", functionId: kind.value } } as { [P in K]?: Filter };
    default:
      throw NencError.invalid(field, "is set but empty; set one of value, cel, function");
  }
}

function providerFromProto(message: ArgumentProviderMessage, field: string): ArgumentProvider {
  const kind = message.kind;
  switch (kind.case) {
    case "static": {
      const value = valueToJson(kind.value, `${field}.static`);
      if (!isJsonObject(value))
        throw NencError.invalid(`${field}.static`, "must be a JSON object of named arguments");
      return { kind: "static", value };
    }
    case "cel":
      return { kind: "cel", expression: kind.value };
    case "function": {
      const context = enumFromProto<DomainContextKind | undefined>(
        kind.value.context,
        CONTEXTS,
        undefined,
        `${field}.function.context`,
      );
      return { kind: "function", functionId: kind.value.function, ...(context ? { context } : {}) };
    }
    default:
      throw NencError.invalid(field, "is empty; set one of static, cel, function");
  }
}

/** A stored trigger as the contract's Trigger message, every semantic field included. */
export function triggerToProto(trigger: Trigger): TriggerMessage {
  return wireTriggerToProto(trigger, {
    id: trigger.id,
    origin: trigger.origin === "declared" ? TriggerOrigin.DECLARED : TriggerOrigin.RUNTIME,
    paused: trigger.paused,
    createdAt: timestampFromMs(trigger.createdAt),
  });
}
