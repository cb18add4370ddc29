import type { ServiceImpl } from "@connectrpc/connect";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { NencError } from "../../domain/errors.js";
import { isFinalStatus } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import { CONNECTION, ConnectionCaps } from "../connection-caps.js";
import { invocationToProto } from "../convert.js";
import { statusFromProto, valueToJson } from "../convert-trigger.js";
import { codecOf, WatchMessages } from "../watch-messages.js";
import { runSession } from "./invocation-session.js";

const MAX_AWAIT_MS = 300_000;

export function createInvocationService(
  orchestrator: Orchestrator,
  logger: Logger,
): ServiceImpl<typeof InvocationService> {
  const invocations = orchestrator.invocations;
  const o = orchestrator.options;
  const watchStreams = new ConnectionCaps({
    what: "WatchInvocation streams open",
    perConnection: {
      max: o.maxWatchStreamsPerConnection,
      setting: "maxWatchStreamsPerConnection, NENC_MAX_WATCH_STREAMS_PER_CONNECTION",
      instead: "close one first, or wait with AwaitInvocation or a Session",
    },
    total: {
      max: o.maxWatchStreams,
      setting: "maxWatchStreams, NENC_MAX_WATCH_STREAMS",
      instead: "retry later or on another replica, or wait with AwaitInvocation or a Session",
    },
  });
  const sessionWaits = new ConnectionCaps({
    what: "Session result waits pending",
    perConnection: {
      max: o.maxSessionWaitsPerConnection,
      setting: "maxSessionWaitsPerConnection, NENC_MAX_SESSION_WAITS_PER_CONNECTION",
      instead: "wait for some to finish, or open another connection",
    },
    total: {
      max: o.maxSessionWaits,
      setting: "maxSessionWaits, NENC_MAX_SESSION_WAITS",
      instead: "wait for some to finish, or retry on another replica",
    },
  });
  const watchMessages = new WatchMessages();
  return {
    async invoke(request) {
      const { invocation, duplicate } = await invocations.invoke(
        request.taskId,
        request.arguments ? valueToJson(request.arguments, "arguments") : {},
        request.idempotencyKey || undefined,
      );
      return { invocation: invocationToProto(invocation), duplicate };
    },
    async getInvocation(request) {
      return { invocation: invocationToProto(await invocations.get(request.id)) };
    },
    async listInvocations(request) {
      const page = await invocations.list({
        ...(request.taskId ? { taskId: request.taskId } : {}),
        ...(request.status !== InvocationStatus.INVOCATION_STATUS_UNSPECIFIED
          ? { status: statusFromProto(request.status, "status") }
          : {}),
        ...(request.triggerId ? { triggerId: request.triggerId } : {}),
        limit: request.pageSize,
        ...(request.pageToken ? { pageToken: request.pageToken } : {}),
      });
      return { invocations: page.items.map(invocationToProto), nextPageToken: page.nextPageToken ?? "" };
    },
    async awaitInvocation(request, context) {
      const timeout = Number(request.timeoutMs || 30_000n);
      if (timeout < 0 || timeout > MAX_AWAIT_MS) {
        throw NencError.invalid("timeoutMs", `must be between 0 (default 30000) and ${MAX_AWAIT_MS}`);
      }
      const signal = AbortSignal.any([context.signal, orchestrator.stoppedSignal]);
      const invocation = await invocations.awaitFinal(request.id, timeout, signal);
      return { invocation: invocationToProto(invocation), done: isFinalStatus(invocation.status) };
    },
    session(requests, context) {
      return runSession(orchestrator, requests, context, logger, sessionWaits);
    },
    async *watchInvocation(request, context) {
      const close = watchStreams.open(context.values.get(CONNECTION));
      const unfollow = watchMessages.follow(request.id);
      try {
        const signal = AbortSignal.any([context.signal, orchestrator.stoppedSignal]);
        let final = false;
        let first = true;
        const codec = codecOf(context);
        for await (const invocation of invocations.watchChanges(request.id, signal)) {
          final = isFinalStatus(invocation.status);
          yield { invocation: watchMessages.update(invocation, first, codec) };
          first = false;
        }
        // Cut short by a stop, not by the client: say so rather than end as if complete.
        if (!final && orchestrator.stoppedSignal.aborted && !context.signal.aborted)
          throw orchestrator.stoppedSignal.reason;
      } finally {
        unfollow();
        close();
      }
    },
  };
}
