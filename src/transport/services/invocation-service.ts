import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type Invocation as InvocationMessage,
  InvocationStatus,
} from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type {
  InvocationService,
  ListInvocationsRequest,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { NEED_READ } from "../../auth/scopes.js";
import { NencError } from "../../domain/errors.js";
import { isFinalStatus } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator, OrchestratorOptions } from "../../engine/orchestrator.js";
import { ACTIVITY_BUCKET_MS, type ActivityBucket } from "../../store/activity.js";
import type { InvocationQuery } from "../../store/store.js";
import type { Access } from "../access.js";
import { CONNECTION, ConnectionCaps } from "../connection-caps.js";
import { attemptToProto, invocationToProto, invokeOptions } from "../convert.js";
import { statusFromProto, valueToJson } from "../convert-trigger.js";
import { codecOf, WatchMessages } from "../watch-messages.js";
import { runSession } from "./invocation-session.js";

const MAX_AWAIT_MS = 300_000;

/**
 * InvocationService: invoke, look up and list invocations, and wait for their results
 * (AwaitInvocation, WatchInvocation, Session). Open watch streams and session waits
 * are capped per connection and per replica, since each holds memory here until it ends.
 * With tokens, invoking needs client of the task's app, reading read or client of it.
 */
export function createInvocationService(
  orchestrator: Orchestrator,
  access: Access,
  logger: Logger,
): ServiceImpl<typeof InvocationService> {
  const invocations = orchestrator.invocations;
  const watchStreams = watchStreamCaps(orchestrator.options);
  const sessionWaits = sessionWaitCaps(orchestrator.options);
  const watchMessages = new WatchMessages();
  return {
    async invoke(request, context) {
      await access.requireForTask(context, "client", request.taskId);
      const { invocation, duplicate } = await invocations.invoke(
        request.taskId,
        request.arguments ? valueToJson(request.arguments, "arguments") : {},
        invokeOptions(request, context.requestHeader),
      );
      return { invocation: invocationToProto(invocation), duplicate };
    },
    async getActivity(request) {
      return activityToProto(await invocations.activity(Number(request.windowMs)));
    },
    async getInvocation(request, context) {
      await access.requireForInvocation(context, request.id);
      const [invocation, attempts] = await Promise.all([
        invocations.get(request.id),
        invocations.attempts(request.id),
      ]);
      return { invocation: invocationToProto(invocation), attempts: attempts.map(attemptToProto) };
    },
    async listInvocations(request, context) {
      await requireListable(access, context, request);
      const page = await invocations.list(listQueryFromProto(request));
      return { invocations: page.items.map(invocationToProto), nextPageToken: page.nextPageToken ?? "" };
    },
    async awaitInvocation(request, context) {
      const timeout = awaitTimeout(request.timeoutMs);
      await access.requireForInvocation(context, request.id);
      const signal = AbortSignal.any([context.signal, orchestrator.stoppedSignal]);
      const invocation = await invocations.awaitFinal(request.id, timeout, signal);
      return { invocation: invocationToProto(invocation), done: isFinalStatus(invocation.status) };
    },
    session(requests, context) {
      return runSession({ orchestrator, access, logger, waits: sessionWaits }, requests, context);
    },
    async *watchInvocation(request, context) {
      await access.requireForInvocation(context, request.id);
      const close = watchStreams.open(context.values.get(CONNECTION));
      const unfollow = watchMessages.follow(request.id);
      try {
        yield* streamChanges(orchestrator, watchMessages, request.id, context);
      } finally {
        unfollow();
        close();
      }
    },
  };
}

/** AwaitInvocation's timeout in ms (0: the default, 30 s); INVALID_ARGUMENT past MAX_AWAIT_MS. */
function awaitTimeout(timeoutMs: bigint): number {
  const timeout = Number(timeoutMs || 30_000n);
  if (timeout < 0 || timeout > MAX_AWAIT_MS)
    throw NencError.invalid("timeoutMs", `must be between 0 (default 30000) and ${MAX_AWAIT_MS}`);
  return timeout;
}

/** GetActivity's answer: final statuses per bucket of ACTIVITY_BUCKET_MS. */
function activityToProto(buckets: readonly ActivityBucket[]) {
  return {
    bucketMs: BigInt(ACTIVITY_BUCKET_MS),
    buckets: buckets.map((bucket) => ({
      start: timestampFromMs(bucket.start),
      succeeded: BigInt(bucket.succeeded),
      failed: BigInt(bucket.failed),
    })),
  };
}

/** Listing every app's invocations needs read; a client lists its app's (by task or trigger). */
async function requireListable(access: Access, context: HandlerContext, request: ListInvocationsRequest) {
  if (request.taskId) return access.requireForTask(context, "readOf", request.taskId);
  if (request.triggerId) return access.requireForTrigger(context, "readOf", request.triggerId);
  access.require(context, NEED_READ);
}

/** ListInvocations' filters as the engine's query: unset fields filter nothing. */
function listQueryFromProto(request: ListInvocationsRequest): InvocationQuery {
  return {
    ...(request.taskId ? { taskId: request.taskId } : {}),
    ...(request.status !== InvocationStatus.INVOCATION_STATUS_UNSPECIFIED
      ? { status: statusFromProto(request.status, "status") }
      : {}),
    ...(request.triggerId ? { triggerId: request.triggerId } : {}),
    limit: request.pageSize,
    ...(request.pageToken ? { pageToken: request.pageToken } : {}),
  };
}

/**
 * The WatchInvocation messages of invocation `id`, each change as it happens until
 * it is final, the client leaves or the orchestrator stops.
 */
async function* streamChanges(
  orchestrator: Orchestrator,
  watchMessages: WatchMessages,
  id: string,
  context: HandlerContext,
): AsyncGenerator<{ invocation: InvocationMessage }> {
  const signal = AbortSignal.any([context.signal, orchestrator.stoppedSignal]);
  let final = false;
  let first = true;
  const codec = codecOf(context);
  for await (const invocation of orchestrator.invocations.watchChanges(id, signal)) {
    final = isFinalStatus(invocation.status);
    yield { invocation: watchMessages.update(invocation, first, codec) };
    first = false;
  }
  // Cut short by a stop, not by the client: say so rather than end as if complete.
  if (!final && orchestrator.stoppedSignal.aborted && !context.signal.aborted)
    throw orchestrator.stoppedSignal.reason;
}

/** The caps on WatchInvocation streams, each a stream and a follower held open. */
function watchStreamCaps(o: OrchestratorOptions): ConnectionCaps {
  return new ConnectionCaps({
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
}

/** The caps on Session result waits, each a listener held until its invocation ends. */
function sessionWaitCaps(o: OrchestratorOptions): ConnectionCaps {
  return new ConnectionCaps({
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
}
