import type { ServiceImpl } from "@connectrpc/connect";
import type { EventService, ReplayEventsRequest } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { NencError } from "../../domain/errors.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import type { Access } from "../access.js";
import { eventToProto, optionalMs, traceOption } from "../convert.js";
import { valueToJson } from "../convert-trigger.js";

/** EventService; with tokens, emitting needs a client scope, replaying admin (see access-policy.ts). */
export function createEventService(
  orchestrator: Orchestrator,
  access: Access,
): ServiceImpl<typeof EventService> {
  const events = orchestrator.events;
  return {
    async emitEvent(request, context) {
      const { event, duplicate } = await events.emit(
        request.code,
        request.payload ? valueToJson(request.payload, "payload") : {},
        {
          ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
          ...traceOption(request.traceparent, context.requestHeader),
        },
      );
      return { eventId: event.id, duplicate };
    },
    async getEvent(request) {
      return { event: eventToProto(await events.get(request.id)) };
    },
    async listEvents(request) {
      const since = optionalMs(request.since);
      const until = optionalMs(request.until);
      const page = await events.list({
        ...(request.code ? { code: request.code } : {}),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        limit: request.pageSize,
        ...(request.pageToken ? { pageToken: request.pageToken } : {}),
      });
      return { events: page.items.map(eventToProto), nextPageToken: page.nextPageToken ?? "" };
    },
    async replayEvents(request, context) {
      const replayedCount = await replay(orchestrator, request);
      access.audit.changed("events.replayed", access.caller(context), { replayedCount });
      return { replayedCount };
    },
  };
}

/** Replays the events a ReplayEvents request names: by id, or by code and time range. */
async function replay(orchestrator: Orchestrator, request: ReplayEventsRequest): Promise<number> {
  const events = orchestrator.events;
  if (request.ids.length > 0) {
    if (request.code || request.since || request.until)
      throw NencError.invalid("ids", "replays those events: leave code, since and until empty");
    return events.replayIds(request.ids);
  }
  const since = optionalMs(request.since);
  const until = optionalMs(request.until);
  return events.replay({
    ...(request.code ? { code: request.code } : {}),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  });
}
