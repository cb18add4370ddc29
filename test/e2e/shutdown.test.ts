/**
 * A graceful stop over real gRPC: Health answers and pushes the change, and the
 * long-lived calls (Health Watch, Session, WatchInvocation, AwaitInvocation) end
 * with an answer of their own instead of being cut off with the connection.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../src/gen/grpc/health/v1/health_pb.js";
import { InvocationStatus } from "../../src/gen/nenc/v1/invocation_pb.js";
import {
  InvocationService,
  type SessionRequest,
  SessionRequestSchema,
} from "../../src/gen/nenc/v1/invocation_service_pb.js";
import { AsyncQueue } from "../../src/transport/async-queue.js";
import { startTestServer } from "../support/server.js";

let server: NencServer;
let sessions: Http2SessionManager;
let health: ReturnType<typeof createClient<typeof Health>>;
let invocations: ReturnType<typeof createClient<typeof InvocationService>>;

beforeEach(async () => {
  server = await startTestServer();
  sessions = new Http2SessionManager(server.url);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  health = createClient(Health, transport);
  invocations = createClient(InvocationService, transport);
});

afterEach(async () => {
  sessions.abort();
  await server.stop();
});

/** An invocation that stays REGISTERED: its task is declared, but no worker runs it. */
async function waitingInvocation(): Promise<string> {
  const app = new Nenc({ url: server.url, appId: "idle" });
  app.task("never_run", async () => null);
  await app.register();
  const id = (await app.invoke("never_run", {})).id;
  await app.close();
  return id;
}

/** The error a stream ended with (undefined when it ended without one). */
async function endOf(stream: AsyncIterator<unknown>): Promise<ConnectError | undefined> {
  try {
    while (!(await stream.next()).done) {}
    return undefined;
  } catch (error) {
    return ConnectError.from(error);
  }
}

const STOPPED = "the orchestrator stopped; retry on another replica or after its restart";

describe("Health", () => {
  it("answers Check for the server and each service, NOT_FOUND for an unknown one", async () => {
    expect((await health.check({})).status).toBe(Status.SERVING);
    expect((await health.check({ service: "nenc.v1.InvocationService" })).status).toBe(Status.SERVING);
    const error = await health.check({ service: "nenc.v1.Nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it("Watch sends SERVING, NOT_SERVING when a graceful stop begins, then ends cleanly", async () => {
    const stream = health.watch({})[Symbol.asyncIterator]();
    expect((await stream.next()).value?.status).toBe(Status.SERVING);
    const stopping = server.stop();
    expect((await stream.next()).value?.status).toBe(Status.NOT_SERVING);
    // The stream ends with OK when the orchestrator has stopped, not cut off with the connection.
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    await stopping;
  });
});

describe("long-lived invocation calls end with UNAVAILABLE when the orchestrator stops", () => {
  it("Session, with a result still awaited", async () => {
    const id = await waitingInvocation();
    const outbox = new AsyncQueue<SessionRequest>();
    const stream = invocations.session(outbox)[Symbol.asyncIterator]();
    outbox.push(create(SessionRequestSchema, { message: { case: "watch", value: { invocationId: id } } }));
    // An answered invoke proves the stream reached the handler: a stop before that
    // would refuse the stream itself (REFUSED_STREAM), which is not what this test is about.
    outbox.push(
      create(SessionRequestSchema, {
        message: { case: "invoke", value: { requestId: 1n, invoke: { taskId: "never_run" } } },
      }),
    );
    expect((await stream.next()).value).toMatchObject({
      message: { case: "invoked", value: { requestId: 1n, response: { duplicate: false } } },
    });
    // As the SDK does: when the server ends the stream, the client ends its side too.
    const ended = endOf(stream).finally(() => outbox.end());
    await server.stop();
    const error = await ended;
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe(STOPPED);
  });

  it("WatchInvocation, before the invocation is final", async () => {
    const id = await waitingInvocation();
    const stream = invocations.watchInvocation({ id })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.invocation?.status).toBe(InvocationStatus.REGISTERED);
    const ended = endOf(stream);
    await server.stop();
    const error = await ended;
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe(STOPPED);
  });

  it("AwaitInvocation answers with the invocation as it stands, not done", async () => {
    const id = await waitingInvocation();
    const waiting = invocations.awaitInvocation({ id, timeoutMs: 60_000n });
    // Answered after the wait was sent on the same connection: the wait has reached the server.
    await health.check({});
    await server.stop();
    const answer = await waiting;
    expect(answer.done).toBe(false);
    expect(answer.invocation?.status).toBe(InvocationStatus.REGISTERED);
  });
});
