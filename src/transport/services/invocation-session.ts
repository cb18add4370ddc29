import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type SessionRequest,
  type SessionResponse,
  SessionResponseSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import type { NencError } from "../../domain/errors.js";
import type { Invocation } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import { CONNECTION, type ConnectionCaps } from "../connection-caps.js";
import { invocationToProto } from "../convert.js";
import { valueToJson } from "../convert-trigger.js";
import { toConnectError } from "../errors.js";

/**
 * InvocationService/Session: invokes and result watches multiplexed over one
 * stream, each handled as soon as it arrives and answered on its own (a slow watch
 * never holds up an invoke). Errors are answered per request; the stream lives on.
 */
export async function* runSession(
  orchestrator: Orchestrator,
  requests: AsyncIterable<SessionRequest>,
  context: HandlerContext,
  logger: Logger,
  waits: ConnectionCaps,
): AsyncGenerator<SessionResponse> {
  const outbox = new AsyncQueue<SessionResponse>();
  const failure = (error: unknown) => {
    const connectError = toConnectError(error, logger);
    return { errorCode: codeName(connectError.code), errorMessage: connectError.rawMessage };
  };
  const invoke = async (
    requestId: bigint,
    message: NonNullable<Extract<SessionRequest["message"], { case: "invoke" }>["value"]["invoke"]>,
  ) => {
    try {
      const { invocation, duplicate } = await orchestrator.invocations.invoke(
        message.taskId,
        message.arguments ? valueToJson(message.arguments, "arguments") : {},
        message.idempotencyKey || undefined,
      );
      outbox.push(
        create(SessionResponseSchema, {
          message: {
            case: "invoked",
            value: { requestId, response: { invocation: invocationToProto(invocation), duplicate } },
          },
        }),
      );
    } catch (error) {
      outbox.push(
        create(SessionResponseSchema, {
          message: { case: "invoked", value: { requestId, ...failure(error) } },
        }),
      );
    }
  };
  const finished = (invocationId: string, outcome: { invocation: Invocation } | { error: NencError }) => {
    const value =
      "error" in outcome
        ? { invocationId, ...failure(outcome.error) }
        : { invocationId, invocation: invocationToProto(outcome.invocation) };
    outbox.push(create(SessionResponseSchema, { message: { case: "finished", value } }));
  };
  // Waits are cancelled together when the session ends: no listener per watch.
  const watches = new Set<() => void>();
  const connection = context.values.get(CONNECTION);
  const watch = (invocationId: string) => {
    let release: () => void;
    try {
      release = waits.open(connection);
    } catch (error) {
      return finished(invocationId, { error: error as NencError });
    }
    const stop = orchestrator.invocations.onFinal(invocationId, (outcome) => {
      watches.delete(cancel);
      release();
      finished(invocationId, outcome);
    });
    const cancel = () => {
      stop();
      release();
    };
    watches.add(cancel);
  };
  const reading = (async () => {
    try {
      for await (const request of requests) {
        const message = request.message;
        if (message.case === "invoke" && message.value.invoke)
          void invoke(message.value.requestId, message.value.invoke);
        else if (message.case === "watch") watch(message.value.invocationId);
      }
      // The client closed its side: answer what is pending, then end.
    } catch {
      outbox.end();
    }
  })();
  const onAbort = () => outbox.end();
  context.signal.addEventListener("abort", onAbort);
  // The orchestrator stopped: end the stream (the client re-sends its watches elsewhere).
  const onStopped = () => outbox.end(toConnectError(orchestrator.stoppedSignal.reason, logger));
  orchestrator.stoppedSignal.addEventListener("abort", onStopped);
  if (orchestrator.stoppedSignal.aborted) onStopped();
  try {
    yield* outbox;
  } finally {
    context.signal.removeEventListener("abort", onAbort);
    orchestrator.stoppedSignal.removeEventListener("abort", onStopped);
    for (const cancel of watches) cancel();
    void reading;
  }
}

/** "NOT_FOUND" for Code.NotFound: the names the SDKs map to typed errors. */
function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
