import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { TriggerContext } from "./contexts.js";
import type { TriggerContext as TriggerContextMessage } from "./gen/nenc/v1/context_pb.js";
import type { Event as EventMessage } from "./gen/nenc/v1/event_pb.js";
import {
  type Invocation as InvocationMessage,
  InvocationStatus as StatusEnum,
} from "./gen/nenc/v1/invocation_pb.js";
import {
  type ArgumentProvider,
  ArgumentProviderSchema,
  type Condition,
  ConditionSchema,
  ContextKind,
  type Filter,
  FilterSchema,
  MisfirePolicy,
  type Trigger,
  TriggerLogic,
  TriggerSchema,
} from "./gen/nenc/v1/trigger_pb.js";
import { DECODE_RECURSION_LIMIT, type JsonObject, type JsonValue } from "./json.js";
import type { InvocationStatus } from "./status.js";
import type { ConditionSpec, FilterSpec, ProviderSpec, TriggerSpec } from "./trigger-builder.js";

/** JSON of a google.protobuf.Value (absent = null). */
export function valueToJson(value: Value | undefined): JsonValue {
  return value ? (toJson(ValueSchema, value) as JsonValue) : null;
}

/** A google.protobuf.Value of JSON, as deep as the decoders accept. */
export function jsonToValue(json: JsonValue): Value {
  return fromJson(ValueSchema, json, { recursionLimit: DECODE_RECURSION_LIMIT });
}

/** The status name of the contract's enum value. */
export function statusName(status: StatusEnum): InvocationStatus {
  return StatusEnum[status] as InvocationStatus;
}

/** What the SDK shows of an invocation. */
export interface InvocationInfo {
  id: string;
  taskId: string;
  status: InvocationStatus;
  arguments: JsonObject;
  result?: JsonValue;
  error?: { type: string; message: string; chain: string[]; stack: string };
  /** 1 for the first attempt. */
  attempt: number;
  /** Set when a trigger created the invocation. */
  triggerId?: string;
  /** Set when a trigger created the invocation: the occurrences, invocations and events that caused it. */
  provenance?: {
    triggerId: string;
    occurrenceIds: string[];
    sourceInvocationIds: string[];
    eventIds: string[];
  };
  createdAt: Date;
  updatedAt: Date;
}

/** A stored event, as `app.trigger.listEvents()` shows it. */
export interface EventInfo {
  id: string;
  code: string;
  payload: JsonObject;
  emittedAt: Date;
  /** Invocations that triggers started because of it. */
  invocationIds: string[];
}

/** An Event message as the SDK shows it. */
export function eventInfo(message: EventMessage): EventInfo {
  return {
    id: message.id,
    code: message.code,
    payload: message.payload ?? {},
    emittedAt: date(message.emittedAt),
    invocationIds: [...message.invocationIds],
  };
}

/** An Invocation message as the SDK shows it. */
export function invocationInfo(message: InvocationMessage): InvocationInfo {
  return {
    id: message.id,
    taskId: message.taskId,
    status: statusName(message.status),
    arguments: message.arguments ?? {},
    ...(message.result ? { result: valueToJson(message.result) } : {}),
    ...(message.error
      ? {
          error: {
            type: message.error.type,
            message: message.error.message,
            chain: [...message.error.chain],
            stack: message.error.stack,
          },
        }
      : {}),
    attempt: message.attempt,
    ...(message.provenance
      ? {
          triggerId: message.provenance.triggerId,
          provenance: {
            triggerId: message.provenance.triggerId,
            occurrenceIds: [...message.provenance.occurrenceIds],
            sourceInvocationIds: [...message.provenance.sourceInvocationIds],
            eventIds: [...message.provenance.eventIds],
          },
        }
      : {}),
    createdAt: date(message.createdAt),
    updatedAt: date(message.updatedAt),
  };
}

const MISFIRE = { skip: MisfirePolicy.SKIP, once: MisfirePolicy.ONCE, all: MisfirePolicy.ALL };
const CONTEXT_KIND = {
  status: ContextKind.STATUS,
  result: ContextKind.RESULT,
  exception: ContextKind.EXCEPTION,
  event: ContextKind.EVENT,
  cron: ContextKind.CRON,
};

/** The wire form of a checked builder. */
export function triggerToProto(spec: TriggerSpec, targetTaskId: string, appId: string): Trigger {
  return create(TriggerSchema, {
    targetTaskId,
    appId,
    logic: spec.logic === "or" ? TriggerLogic.OR : TriggerLogic.AND,
    conditions: spec.conditions.map(conditionToProto),
    argumentProviders: spec.providers.map(providerToProto),
    join: {
      withinMs: BigInt(spec.join.withinMs),
      correlationKey: spec.join.correlationKey,
      maxPending: spec.join.maxPending,
    },
  });
}

function providerToProto(provider: ProviderSpec): ArgumentProvider {
  switch (provider.kind) {
    case "static":
      return create(ArgumentProviderSchema, { kind: { case: "static", value: jsonToValue(provider.value) } });
    case "cel":
      return create(ArgumentProviderSchema, { kind: { case: "cel", value: provider.expression } });
    case "function":
      return create(ArgumentProviderSchema, {
        kind: {
          case: "function",
          value: {
            function: provider.id,
            context: provider.context ? CONTEXT_KIND[provider.context] : ContextKind.UNSPECIFIED,
          },
        },
      });
  }
}

function conditionToProto(condition: ConditionSpec): Condition {
  switch (condition.kind) {
    case "cron":
      return create(ConditionSchema, {
        kind: {
          case: "cron",
          value: {
            expression: condition.expression,
            timezone: condition.timezone,
            misfire: MISFIRE[condition.misfire],
            catchUpWindowMs: BigInt(condition.catchUpWindowMs),
          },
        },
      });
    case "status":
      return create(ConditionSchema, {
        kind: {
          case: "status",
          value: {
            taskId: condition.taskId,
            statuses: condition.statuses.map((status) => StatusEnum[status]),
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

function filterField<K extends string>(key: K, spec: FilterSpec | undefined): { [P in K]?: Filter } {
  if (!spec) return {};
  const kind =
    spec.kind === "value"
      ? { case: "value" as const, value: jsonToValue(spec.value) }
      : spec.kind === "cel"
        ? { case: "cel" as const, value: spec.expression }
        : { case: "function" as const, value: spec.id };
  return { [key]: create(FilterSchema, { kind }) } as { [P in K]?: Filter };
}

/** A context from the wire, as provider functions receive it. */
export function contextFromProto(message: TriggerContextMessage): TriggerContext {
  const kind = message.kind;
  switch (kind.case) {
    case "status":
      return { kind: "status", ...taskFields(kind.value) };
    case "result":
      return { kind: "result", ...taskFields(kind.value), result: valueToJson(kind.value.result) };
    case "exception":
      return {
        kind: "exception",
        ...taskFields(kind.value),
        exceptionType: kind.value.exceptionType,
        exceptionMessage: kind.value.exceptionMessage,
        exceptionChain: [...kind.value.exceptionChain],
        stack: kind.value.stack,
      };
    case "event":
      return {
        kind: "event",
        eventId: kind.value.eventId,
        eventCode: kind.value.eventCode,
        payload: kind.value.payload ?? {},
        timestamp: date(kind.value.timestamp),
      };
    case "cron":
      return {
        kind: "cron",
        scheduledTime: date(kind.value.scheduledTime),
        firedAt: date(kind.value.firedAt),
        ...(kind.value.lastScheduledTime ? { lastScheduledTime: date(kind.value.lastScheduledTime) } : {}),
      };
    default:
      throw new TypeError("the orchestrator sent an empty context");
  }
}

function taskFields(value: {
  invocationId: string;
  taskId: string;
  arguments?: JsonObject;
  status: StatusEnum;
  timestamp?: Timestamp;
}) {
  return {
    invocationId: value.invocationId,
    taskId: value.taskId,
    arguments: value.arguments ?? {},
    status: statusName(value.status),
    timestamp: date(value.timestamp),
  };
}

function date(timestamp: Timestamp | undefined): Date {
  return timestamp ? timestampDate(timestamp) : new Date(0);
}
