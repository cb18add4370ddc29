import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { TriggerContext } from "./context.js";
import {
  type TriggerContext as TriggerContextMessage,
  TriggerContextSchema,
} from "./gen/nenc/v1/context_pb.js";
import { jsonToValue } from "./json-value.js";
import { statusToProto } from "./trigger.js";

/**
 * A trigger context as the wire's TriggerContext message: what the orchestrator sends
 * a provider function, and what a client sends for a dry run. `stamp` turns the side's
 * time (ms, or a Date) into a Timestamp.
 */
export function contextToWire<Time>(
  context: TriggerContext<Time>,
  stamp: (time: Time) => Timestamp,
): TriggerContextMessage {
  const task = (value: Extract<TriggerContext<Time>, { invocationId: string }>) => ({
    invocationId: value.invocationId,
    taskId: value.taskId,
    arguments: value.arguments,
    status: statusToProto(value.status),
    timestamp: stamp(value.timestamp),
  });
  switch (context.kind) {
    case "status":
      return create(TriggerContextSchema, { kind: { case: "status", value: task(context) } });
    case "result":
      return create(TriggerContextSchema, {
        kind: { case: "result", value: { ...task(context), result: jsonToValue(context.result) } },
      });
    case "exception": {
      const { exceptionType, exceptionMessage, exceptionChain, stack } = context;
      return create(TriggerContextSchema, {
        kind: {
          case: "exception",
          value: { ...task(context), exceptionType, exceptionMessage, exceptionChain, stack },
        },
      });
    }
    case "event": {
      const { eventId, eventCode, payload } = context;
      return create(TriggerContextSchema, {
        kind: { case: "event", value: { eventId, eventCode, payload, timestamp: stamp(context.timestamp) } },
      });
    }
    case "cron":
      return create(TriggerContextSchema, {
        kind: {
          case: "cron",
          value: {
            scheduledTime: stamp(context.scheduledTime),
            firedAt: stamp(context.firedAt),
            ...(context.lastScheduledTime === undefined
              ? {}
              : { lastScheduledTime: stamp(context.lastScheduledTime) }),
          },
        },
      });
  }
}
