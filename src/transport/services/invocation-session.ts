import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type InvokeRequest,
  type SessionRequest,
  type SessionResponse,
  SessionResponseSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import type { NencError } from "../../domain/errors.js";
import type { Invocation } from "../../domain/invocation.js";
import type { Logger } from "../../domain/logger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import type { Access } from "../access.js";
import { CONNECTION, type ConnectionCaps } from "../connection-caps.js";
import { invocationToProto, invokeOptions } from "../convert.js";
import { valueToJson } from "../convert-trigger.js";
import { toConnectError } from "../errors.js";

/**
 * InvocationService/Session: invokes and result watches multiplexed over one
 * stream, each handled as soon as it arrives and answered on its own (a slow watch
 * never holds up an invoke). Errors are answered per request; the stream lives on.
 */
export async function* runSession(
  deps: SessionDeps,
  requests: AsyncIterable<SessionRequest>,
  context: HandlerContext,
): AsyncGenerator<SessionResponse> {
  const session = new Session(deps, context);
  const reading = session.read(requests);
  const stopListening = session.endOnAbortOrStop(context.signal);
  try {
    yield* session.outbox;
  } finally {
    stopListening();
    session.cancelWatches();
    void reading;
  }
}

/** What a session needs: the engine, the access checks, the caps on its waits. */
export interface SessionDeps {
  orchestrator: Orchestrator;
  access: Access;
  logger: Logger;
  waits: ConnectionCaps;
}

/** One session's state: the answers it has to send and the result waits it holds. */
class Session {
  /** Answers in the order they are ready, whatever order the requests came in. */
  readonly outbox = new AsyncQueue<SessionResponse>();
  // Waits are cancelled together when the session ends: no listener per watch.
  private readonly watches = new Set<() => void>();
  /** Set once the session ends: a wait whose access check was still pending then is not opened. */
  private ended = false;

  private readonly orchestrator: Orchestrator;
  private readonly logger: Logger;

  constructor(
    private readonly deps: SessionDeps,
    private readonly context: HandlerContext,
  ) {
    ({ orchestrator: this.orchestrator, logger: this.logger } = deps);
  }

  /** Handles each request as it arrives; a broken request stream ends the session. */
  async read(requests: AsyncIterable<SessionRequest>): Promise<void> {
    try {
      for await (const request of requests) {
        const message = request.message;
        if (message.case === "invoke" && message.value.invoke)
          void this.invoke(message.value.requestId, message.value.invoke);
        else if (message.case === "watch") void this.watch(message.value.invocationId);
      }
      // The client closed its side: answer what is pending, then end.
    } catch {
      this.outbox.end();
    }
  }

  /**
   * Ends the outbox when the client goes away or the orchestrator stops; returns
   * the function that stops listening.
   */
  endOnAbortOrStop(signal: AbortSignal): () => void {
    const stoppedSignal = this.orchestrator.stoppedSignal;
    const onAbort = () => this.outbox.end();
    signal.addEventListener("abort", onAbort);
    // The orchestrator stopped: end the stream (the client re-sends its watches elsewhere).
    const onStopped = () => this.outbox.end(toConnectError(stoppedSignal.reason, this.logger));
    stoppedSignal.addEventListener("abort", onStopped);
    if (stoppedSignal.aborted) onStopped();
    return () => {
      signal.removeEventListener("abort", onAbort);
      stoppedSignal.removeEventListener("abort", onStopped);
    };
  }

  /** Stops every result wait still pending and gives back its place under the caps. */
  cancelWatches(): void {
    this.ended = true;
    for (const cancel of this.watches) cancel();
  }

  private async invoke(requestId: bigint, message: InvokeRequest): Promise<void> {
    try {
      this.deps.access.spend(this.context);
      await this.deps.access.requireForTask(this.context, "client", message.taskId);
      const { invocation, duplicate } = await this.orchestrator.invocations.invoke(
        message.taskId,
        message.arguments ? valueToJson(message.arguments, "arguments") : {},
        invokeOptions(message),
      );
      this.outbox.push(
        create(SessionResponseSchema, {
          message: {
            case: "invoked",
            value: { requestId, response: { invocation: invocationToProto(invocation), duplicate } },
          },
        }),
      );
    } catch (error) {
      this.outbox.push(
        create(SessionResponseSchema, {
          message: { case: "invoked", value: { requestId, ...this.failure(error) } },
        }),
      );
    }
  }

  /** Answers `finished` once the invocation is final (at once when a cap or access refuses the wait). */
  private async watch(invocationId: string): Promise<void> {
    let release: () => void;
    try {
      this.deps.access.spend(this.context);
      await this.deps.access.requireForInvocation(this.context, invocationId);
      if (this.ended) return;
      release = this.deps.waits.open(this.context.values.get(CONNECTION));
    } catch (error) {
      this.finished(invocationId, { error: error as NencError });
      return;
    }
    const stop = this.orchestrator.invocations.onFinal(invocationId, (outcome) => {
      this.watches.delete(cancel);
      release();
      this.finished(invocationId, outcome);
    });
    const cancel = () => {
      stop();
      release();
    };
    this.watches.add(cancel);
  }

  private finished(invocationId: string, outcome: { invocation: Invocation } | { error: NencError }): void {
    const value =
      "error" in outcome
        ? { invocationId, ...this.failure(outcome.error) }
        : { invocationId, invocation: invocationToProto(outcome.invocation) };
    this.outbox.push(create(SessionResponseSchema, { message: { case: "finished", value } }));
  }

  /** An error as the answer's fields: the code name the SDKs map, and the message. */
  private failure(error: unknown): { errorCode: string; errorMessage: string } {
    const connectError = toConnectError(error, this.logger);
    return { errorCode: codeName(connectError.code), errorMessage: connectError.rawMessage };
  }
}

/** "NOT_FOUND" for Code.NotFound: the names the SDKs map to typed errors. */
function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
