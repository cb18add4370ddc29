import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { statusName, valueToJson, triggerToProto as wireTriggerToProto } from "@nenc/protocol";
import type { TriggerContext as TriggerContextMessage } from "@nenc/protocol/gen/nenc/v1/context_pb.js";
import type { Event as EventMessage } from "@nenc/protocol/gen/nenc/v1/event_pb.js";
import type {
  Invocation as InvocationMessage,
  InvocationStatus as StatusEnum,
} from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { Trigger } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import type { TriggerContext } from "./contexts.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { InvocationStatus } from "./status.js";
import type { TriggerSpec } from "./trigger-builder.js";

export { jsonToValue, statusName, valueToJson } from "@nenc/protocol";

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

/** The wire form of a checked builder. */
export function triggerToProto(spec: TriggerSpec, targetTaskId: string, appId: string): Trigger {
  return wireTriggerToProto({ ...spec, targetTaskId, appId });
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
