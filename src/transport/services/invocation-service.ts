import type { ServiceImpl } from "@connectrpc/connect";
import { NencError } from "../../domain/errors.js";
import { isFinalStatus } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import { InvocationStatus } from "../../gen/nenc/v1/invocation_pb.js";
import type { InvocationService } from "../../gen/nenc/v1/invocation_service_pb.js";
import { invocationToProto } from "../convert.js";
import { statusFromProto, valueToJson } from "../convert-trigger.js";
import { runSession } from "./invocation-session.js";

const MAX_AWAIT_MS = 300_000;

export function createInvocationService(
  orchestrator: Orchestrator,
  logger: Logger,
): ServiceImpl<typeof InvocationService> {
  const invocations = orchestrator.invocations;
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
      return runSession(orchestrator, requests, context, logger);
    },
    async *watchInvocation(request, context) {
      const signal = AbortSignal.any([context.signal, orchestrator.stoppedSignal]);
      let final = false;
      for await (const invocation of invocations.watchChanges(request.id, signal)) {
        final = isFinalStatus(invocation.status);
        yield { invocation: invocationToProto(invocation) };
      }
      // Cut short by a stop, not by the client: say so rather than end as if complete.
      if (!final && orchestrator.stoppedSignal.aborted && !context.signal.aborted)
        throw orchestrator.stoppedSignal.reason;
    },
  };
}
