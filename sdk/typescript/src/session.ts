import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import type { Invocation as InvocationMessage } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { InvokeRequestSchema } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import {
  type InvocationService,
  type InvokeRequest,
  type InvokeResponse,
  type SessionRequest,
  SessionRequestSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { errorFromCode, fromRpcError, UnavailableError } from "./errors.js";

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * The client's InvocationService/Session stream: invokes and result watches
 * multiplexed on one stream (a message costs far less than a unary call). Opened on
 * first use; when it breaks, pending invokes fail with UnavailableError (their
 * outcome is unknown: retry with an idempotency key) and watches are sent again on
 * a new stream.
 */
export class InvocationSession {
  private outbox?: AsyncQueue<SessionRequest>;
  private nextRequestId = 1n;
  private readonly invokes = new Map<bigint, Pending<InvokeResponse>>();
  private readonly watches = new Map<string, Array<Pending<InvocationMessage>>>();
  private closed = false;
  /** Grows while the stream keeps breaking (an orchestrator down), back to 100 ms on any answer. */
  private retryDelayMs = 100;

  constructor(private readonly clients: { invocations: Client<typeof InvocationService> }) {}

  invoke(request: MessageInitShape<typeof InvokeRequestSchema>): Promise<InvokeResponse> {
    return new Promise((resolve, reject) => {
      const requestId = this.nextRequestId++;
      this.invokes.set(requestId, { resolve, reject });
      this.send({ case: "invoke", value: { requestId, invoke: request as InvokeRequest } });
    });
  }

  /** Resolves with the invocation once it is final. */
  watch(invocationId: string): Promise<InvocationMessage> {
    return new Promise((resolve, reject) => {
      const waiting = this.watches.get(invocationId);
      if (waiting) {
        waiting.push({ resolve, reject });
        return;
      }
      this.watches.set(invocationId, [{ resolve, reject }]);
      this.send({ case: "watch", value: { invocationId } });
    });
  }

  close(): void {
    this.closed = true;
    this.outbox?.end();
    this.failAll(new UnavailableError("the client was closed", "UNAVAILABLE"));
  }

  private send(message: MessageInitShape<typeof SessionRequestSchema>["message"]): void {
    if (this.closed) {
      this.failAll(new UnavailableError("the client was closed", "UNAVAILABLE"));
      return;
    }
    if (!this.outbox) this.open();
    this.outbox?.push(create(SessionRequestSchema, { message }));
  }

  private open(): void {
    const outbox = new AsyncQueue<SessionRequest>();
    this.outbox = outbox;
    void (async () => {
      let failure: Error = new UnavailableError("the session stream ended", "UNAVAILABLE");
      try {
        for await (const response of this.clients.invocations.session(outbox)) {
          this.retryDelayMs = 100;
          const message = response.message;
          if (message.case === "invoked") this.onInvoked(message.value);
          else if (message.case === "finished") this.onFinished(message.value);
        }
      } catch (error) {
        failure = fromRpcError(error);
      }
      if (this.outbox === outbox) this.outbox = undefined;
      outbox.end();
      this.onBroken(failure);
    })();
  }

  private onInvoked(answer: {
    requestId: bigint;
    response?: InvokeResponse;
    errorCode: string;
    errorMessage: string;
  }): void {
    const pending = this.invokes.get(answer.requestId);
    if (!pending) return;
    this.invokes.delete(answer.requestId);
    if (answer.response) pending.resolve(answer.response);
    else pending.reject(errorFromCode(answer.errorCode, answer.errorMessage));
  }

  private onFinished(answer: {
    invocationId: string;
    invocation?: InvocationMessage;
    errorCode: string;
    errorMessage: string;
  }): void {
    const waiting = this.watches.get(answer.invocationId);
    if (!waiting) return;
    this.watches.delete(answer.invocationId);
    for (const pending of waiting) {
      if (answer.invocation) pending.resolve(answer.invocation);
      else pending.reject(errorFromCode(answer.errorCode, answer.errorMessage));
    }
  }

  /** Invokes in flight have an unknown outcome; watches are asked again on a new stream. */
  private onBroken(failure: Error): void {
    for (const pending of this.invokes.values()) pending.reject(failure);
    this.invokes.clear();
    if (this.closed || this.watches.size === 0) return;
    const ids = [...this.watches.keys()];
    // Not unref'd: callers are awaiting these results.
    setTimeout(() => {
      if (this.closed) return;
      for (const invocationId of ids)
        if (this.watches.has(invocationId)) this.send({ case: "watch", value: { invocationId } });
    }, this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
  }

  private failAll(error: Error): void {
    for (const pending of this.invokes.values()) pending.reject(error);
    this.invokes.clear();
    for (const waiting of this.watches.values()) for (const pending of waiting) pending.reject(error);
    this.watches.clear();
  }
}
