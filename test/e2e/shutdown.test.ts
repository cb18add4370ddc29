/**
 * A graceful stop over real gRPC: Health answers and pushes the change, new work
 * is refused while the orchestrator drains, and the long-lived calls (Health
 * Watch, Session, WatchInvocation, AwaitInvocation) end with an answer of their
 * own instead of being cut off with the connection.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import {
  InvocationService,
  type SessionRequest,
  SessionRequestSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { Nenc, UnavailableError } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { deferred } from "../support/wait.js";

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
const DRAINING =
  "the orchestrator is draining (shutting down) and takes no new work; retry on another replica or after its restart";

/** What `call` rejected with (failing the test if it resolved). */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

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

describe("new work while the orchestrator drains", () => {
  it("Invoke (unary, and the SDK's on a Session), EmitEvent, CreateTrigger and ReplayEvents answer UNAVAILABLE", async () => {
    const app = new Nenc({ url: server.url, appId: "busy" });
    const started = deferred();
    const release = deferred();
    app.task("hold", async () => {
      started.resolve();
      await release.promise;
      return "held";
    });
    app.task("other", async () => "other");
    try {
      await app.startWorker();
      const holding = await app.invoke<string>("hold", {});
      // Asked now, answered when the task ends during the drain.
      const result = holding.result();
      result.catch(() => {}); // awaited below; a failing test closes the client first
      await started.promise;

      // The running task holds the drain open until it is released.
      const stopping = server.stop();
      expect((await health.check({})).status).toBe(Status.NOT_SERVING);
      // Each call starts when its turn comes, so that its rejection is always awaited.
      for (const call of [
        () => invocations.invoke({ taskId: "other" }),
        () => app.clients.events.replayEvents({ code: "tick" }),
      ]) {
        const error = ConnectError.from(await rejection(call()));
        expect([error.code, error.rawMessage]).toEqual([Code.Unavailable, DRAINING]);
      }
      for (const call of [
        () => app.invoke("other", {}),
        () => app.trigger.emitEvent("tick", { n: 1 }),
        () => app.trigger.onEvent("tick").register("other"),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).message).toBe(DRAINING);
      }
      const stored = await invocations.listInvocations({ pageSize: 1000 });
      expect(stored.invocations.map((invocation) => invocation.id)).toEqual([holding.id]);
      expect((await app.clients.events.listEvents({})).events).toEqual([]);
      expect(await app.trigger.list()).toEqual([]);

      // In-flight work still finishes before the stop completes.
      release.resolve();
      expect(await result).toBe("held");
      await stopping;
    } finally {
      release.resolve();
      await app.close();
    }
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
