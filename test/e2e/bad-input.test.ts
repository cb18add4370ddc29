import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { Health, HealthCheckResponse_ServingStatus } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingLogger } from "../support/logs.js";
import { postConnectJson, postRawMessage } from "../support/raw-http2.js";
import { openRawWorker } from "../support/raw-worker.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";
import { waitFor } from "../support/wait.js";

let server: NencServer;
let sessions: Http2SessionManager;
let app: Nenc;
let invocations: ReturnType<typeof createClient<typeof InvocationService>>;
let events: ReturnType<typeof createClient<typeof EventService>>;
let health: ReturnType<typeof createClient<typeof Health>>;
const logger = recordingLogger();

beforeAll(async () => {
  server = await startTestServer({ orchestrator: { maxPayloadBytes: 2048 }, logger });
  sessions = new Http2SessionManager(server.url);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  invocations = createClient(InvocationService, transport);
  events = createClient(EventService, transport);
  health = createClient(Health, transport);
  app = new Nenc({ url: server.url, appId: "inputs" });
  app.task("echo", async (args: Record<string, unknown>) => args);
  await app.startWorker();
});

afterAll(async () => {
  await app.close();
  sessions.abort();
  await server.stop();
});

async function stillServing(): Promise<void> {
  expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  expect(await (await app.invoke("echo", { ok: true })).result()).toEqual({ ok: true });
}

describe("bad input is answered, never fatal", () => {
  it("unknown task: NOT_FOUND naming the task", async () => {
    const error = await rpcError(invocations.invoke({ taskId: "no_such_task" }));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe(
      'task "no_such_task" not found; start a worker of the app that declares it, or check the name',
    );
    await stillServing();
  });

  it("arguments that are not a JSON object: INVALID_ARGUMENT naming arguments", async () => {
    const { status, json } = await postConnectJson(
      server.url,
      "/nenc.v1.InvocationService/Invoke",
      '{"taskId":"echo","arguments":[1,2]}',
    );
    expect(status).toBe(400);
    expect(json.code).toBe("invalid_argument");
    expect(json.message).toBe('arguments: must be a JSON object such as {"key": "value"}, got an array');
    await stillServing();
  });

  it("an empty task id: INVALID_ARGUMENT naming taskId", async () => {
    const error = await rpcError(invocations.invoke({ taskId: "" }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("taskId: is required: the task to invoke");
  });

  it("oversized arguments: RESOURCE_EXHAUSTED with the size and the limit", async () => {
    const error = await rpcError(
      invocations.invoke({ taskId: "echo", arguments: jsonToValue({ blob: "x".repeat(5000) }) }),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^arguments: is 5011 bytes of JSON; the limit is 2048/);
    await stillServing();
  });

  it("a trigger definition past the payload limit (a filter value, static arguments): RESOURCE_EXHAUSTED, nothing stored", async () => {
    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    const triggers = createClient(TriggerService, transport);
    const apps = createClient(AppService, transport);
    const bigFilter = {
      targetTaskId: "echo",
      conditions: [
        {
          kind: {
            case: "event" as const,
            value: {
              code: "big",
              payloadFilter: {
                kind: { case: "value" as const, value: jsonToValue({ blob: "z".repeat(3000) }) },
              },
            },
          },
        },
      ],
    };
    const created = await rpcError(triggers.createTrigger({ trigger: bigFilter }));
    expect([created.code, created.rawMessage]).toEqual([
      Code.ResourceExhausted,
      expect.stringMatching(
        /^trigger: is \d+ bytes of JSON; the limit is 2048 \(raise NENC_MAX_PAYLOAD_BYTES/,
      ),
    ]);
    const bigStatic = {
      targetTaskId: "echo",
      conditions: [{ kind: { case: "event" as const, value: { code: "big" } } }],
      argumentProviders: [
        { kind: { case: "static" as const, value: jsonToValue({ blob: "s".repeat(3000) }) } },
      ],
    };
    const registered = await rpcError(
      apps.registerApp({ appId: "inputs", tasks: [{ id: "echo" }], triggers: [bigStatic] }),
    );
    expect([registered.code, registered.rawMessage]).toEqual([
      Code.ResourceExhausted,
      expect.stringMatching(/^triggers\[0\]: is \d+ bytes of JSON; the limit is 2048/),
    ]);
    expect((await triggers.listTriggers({ targetTaskId: "echo" })).triggers).toEqual([]);
    await stillServing();
  });

  it("a message larger than the transport accepts: RESOURCE_EXHAUSTED, nothing stored", async () => {
    const before = await invocations.listInvocations({ taskId: "echo", pageSize: 1000 });
    const error = await rpcError(
      invocations.invoke({ taskId: "echo", arguments: jsonToValue({ blob: "x".repeat(200_000) }) }),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    const after = await invocations.listInvocations({ taskId: "echo", pageSize: 1000 });
    expect(after.invocations.length).toBe(before.invocations.length);
    await stillServing();
  });

  it("events: a missing code, a non-object payload, an oversized payload", async () => {
    const missing = await rpcError(events.emitEvent({ code: "" }));
    expect(missing.code).toBe(Code.InvalidArgument);
    expect(missing.rawMessage).toBe("code: is required: the event code, e.g. user.login");
    const { json } = await postConnectJson(
      server.url,
      "/nenc.v1.EventService/EmitEvent",
      '{"code":"x","payload":"text"}',
    );
    expect(json.code).toBe("invalid_argument");
    expect(json.message).toBe('payload: must be a JSON object such as {"key": "value"}, got string');
    const big = await rpcError(
      events.emitEvent({ code: "big", payload: jsonToValue({ blob: "y".repeat(3000) }) }),
    );
    expect(big.code).toBe(Code.ResourceExhausted);
    expect(big.rawMessage).toMatch(/^payload: is \d+ bytes of JSON; the limit is 2048/);
    await stillServing();
  });

  it("unknown ids and foreign page tokens", async () => {
    const unknown = await rpcError(invocations.getInvocation({ id: "inv_nope" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toContain('invocation "inv_nope" not found');
    const token = await rpcError(invocations.listInvocations({ pageToken: "not-a-token" }));
    expect(token.code).toBe(Code.InvalidArgument);
    expect(token.rawMessage).toBe(
      "pageToken: is not a token this server issued for this listing; pass nextPageToken unchanged, with the same filters",
    );
  });
});

describe("requests that do not decode, and values JSON cannot carry: INVALID_ARGUMENT, nothing logged", () => {
  const errorsLogged = () => logger.lines.filter((line) => line.level === "error").length;
  // Field 1 (taskId) claims 5 bytes and has 1; then one that is not UTF-8.
  const truncated = new Uint8Array([0x0a, 0x05, 0x41]);
  const notUtf8 = new Uint8Array([0x0a, 0x02, 0xc3, 0x28]);

  it.each(["grpc", "grpc-web"] as const)("malformed protobuf and invalid UTF-8 over %s", async (protocol) => {
    const before = errorsLogged();
    const invoke = "/nenc.v1.InvocationService/Invoke";
    expect(await postRawMessage(server.url, invoke, truncated, protocol)).toMatchObject({
      grpcStatus: "3",
      grpcMessage: "parse binary: premature EOF",
    });
    expect(await postRawMessage(server.url, invoke, notUtf8, protocol)).toMatchObject({
      grpcStatus: "3",
      grpcMessage: "parse binary: The encoded data was not valid for encoding utf-8",
    });
    // A server stream and the worker stream decode their requests elsewhere: the same answer.
    for (const path of ["/nenc.v1.InvocationService/WatchInvocation", "/nenc.v1.WorkerService/Connect"]) {
      expect(await postRawMessage(server.url, path, truncated, protocol)).toMatchObject({
        grpcStatus: "3",
        grpcMessage: "parse binary: premature EOF",
      });
    }
    expect(errorsLogged()).toBe(before);
    await stillServing();
  });

  it("malformed protobuf and invalid UTF-8 over Connect: HTTP 400 invalid_argument, streams too", async () => {
    const before = errorsLogged();
    for (const [bytes, message] of [
      [truncated, "parse binary: premature EOF"],
      [notUtf8, "parse binary: The encoded data was not valid for encoding utf-8"],
    ] as const) {
      const answer = await postRawMessage(server.url, "/nenc.v1.EventService/EmitEvent", bytes, "connect");
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body.toString("utf8"))).toEqual({ code: "invalid_argument", message });
    }
    // Streams end with an end-of-stream frame instead.
    for (const path of ["/nenc.v1.InvocationService/WatchInvocation", "/nenc.v1.WorkerService/Connect"]) {
      const answer = await postRawMessage(server.url, path, truncated, "connect-stream");
      expect(answer.endStreamError).toEqual({
        code: "invalid_argument",
        message: "parse binary: premature EOF",
      });
    }
    expect(errorsLogged()).toBe(before);
    await stillServing();
  });

  it("NaN and Infinity in arguments, payloads and static trigger values name the field", async () => {
    const before = errorsLogged();
    const nan = { kind: { case: "numberValue" as const, value: Number.NaN } };
    const infinity = { kind: { case: "numberValue" as const, value: Number.POSITIVE_INFINITY } };
    const refused = async (call: Promise<unknown>) => {
      const error = await rpcError(call);
      return [error.code, error.rawMessage];
    };
    const notJson = "is not a JSON value: google.protobuf.Value cannot be NaN or Infinity";
    expect(await refused(invocations.invoke({ taskId: "echo", arguments: nan }))).toEqual([
      Code.InvalidArgument,
      `arguments: ${notJson}`,
    ]);
    expect(
      await refused(
        invocations.invoke({
          taskId: "echo",
          arguments: { kind: { case: "structValue", value: { fields: { x: infinity } } } },
        }),
      ),
    ).toEqual([Code.InvalidArgument, `arguments: ${notJson}`]);
    expect(await refused(events.emitEvent({ code: "nan", payload: infinity }))).toEqual([
      Code.InvalidArgument,
      `payload: ${notJson}`,
    ]);
    const triggers = createClient(
      TriggerService,
      createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }),
    );
    expect(
      await refused(
        triggers.createTrigger({
          trigger: {
            targetTaskId: "echo",
            conditions: [{ kind: { case: "event", value: { code: "x" } } }],
            argumentProviders: [{ kind: { case: "static", value: nan } }],
          },
        }),
      ),
    ).toEqual([Code.InvalidArgument, `trigger.argumentProviders[0].static: ${notJson}`]);
    expect(errorsLogged()).toBe(before);
    await stillServing();
  });
});

describe("malformed worker streams", () => {
  it("a result before hello ends that stream with FAILED_PRECONDITION", async () => {
    const worker = openRawWorker(server.url);
    worker.send({ case: "completed", value: { assignmentId: "nope" } });
    const error = await worker.ended;
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toBe(
      "the first message on the worker stream must be hello, got completed",
    );
    worker.close();
    await stillServing();
  });

  it("a hello naming an unknown task or a zero concurrency is refused with the field", async () => {
    const unknownTask = openRawWorker(server.url);
    unknownTask.send({
      case: "hello",
      value: { appId: "inputs", workerId: "w-bad-1", concurrency: 1, taskIds: ["ghost"] },
    });
    const notFound = (await unknownTask.ended) as ConnectError;
    expect(notFound.code).toBe(Code.NotFound);
    expect(notFound.rawMessage).toContain('task "ghost" not found; hello.taskIds[0]');
    unknownTask.close();

    const zero = openRawWorker(server.url);
    zero.send({
      case: "hello",
      value: { appId: "inputs", workerId: "w-bad-2", concurrency: 0, taskIds: ["echo"] },
    });
    const invalid = (await zero.ended) as ConnectError;
    expect(invalid.code).toBe(Code.InvalidArgument);
    expect(invalid.rawMessage).toBe("hello.concurrency: must be an integer from 1 to 10000");
    zero.close();
    await stillServing();
  });

  it("results for unknown assignments, empty messages and a second hello are ignored", async () => {
    const worker = openRawWorker(server.url);
    worker.send({
      case: "hello",
      value: { appId: "inputs", workerId: "w-odd", concurrency: 1, taskIds: ["echo"] },
    });
    expect((await worker.next()).message.case).toBe("welcome");
    worker.send({ case: "completed", value: { assignmentId: "inv_unknown/3" } });
    worker.send({ case: "failed", value: { assignmentId: "inv_unknown/4" } });
    worker.send({ case: "started", value: { assignmentId: "inv_unknown/5" } });
    worker.send({ case: "evaluated", value: { requestId: "eval_unknown" } });
    worker.send({ case: "hello", value: { appId: "other", workerId: "w-odd", concurrency: 9 } });
    worker.send(undefined as never);
    // The stream still works: it gets the next invocation and its result counts.
    await app.close();
    const client = new Nenc({ url: server.url, appId: "inputs" });
    const invocation = await client.invoke("echo", { n: 1 });
    const assignment = await worker.next();
    expect(assignment.message.case).toBe("assignment");
    if (assignment.message.case !== "assignment") return;
    worker.send({
      case: "completed",
      value: {
        assignmentId: assignment.message.value.assignmentId,
        result: { kind: { case: "stringValue", value: "raw" } },
      },
    });
    expect(await invocation.result()).toBe("raw");
    worker.close();
    await client.close();
    app = new Nenc({ url: server.url, appId: "inputs" });
    app.task("echo", async (args: Record<string, unknown>) => args);
    await app.startWorker();
    await stillServing();
  });

  it("another worker's forged start, result and failure for a live assignment change nothing", async () => {
    const victim = new Nenc({ url: server.url, appId: "victim" });
    victim.task("slow", async () => null);
    await victim.register();
    const owner = openRawWorker(server.url);
    owner.send({
      case: "hello",
      value: { appId: "victim", workerId: "w-owner", concurrency: 1, taskIds: ["slow"] },
    });
    expect((await owner.next()).message.case).toBe("welcome");
    const invocation = await victim.invoke<string>("slow", {});
    const assigned = await owner.next();
    if (assigned.message.case !== "assignment")
      throw new Error(`expected an assignment, got ${assigned.message.case}`);
    // Assignment ids are guessable; here the forger simply knows it.
    const assignmentId = assigned.message.value.assignmentId;
    const before = (await invocations.getInvocation({ id: invocation.id })).invocation;
    expect(before?.workerId).toBe("w-owner");

    // A worker of another app, with no tasks at all.
    const forger = openRawWorker(server.url);
    forger.send({ case: "hello", value: { appId: "elsewhere", workerId: "w-forger", concurrency: 1 } });
    expect((await forger.next()).message.case).toBe("welcome");
    const ignored = () =>
      logger.find("warn", { workerId: "w-forger", assignmentId }).map((line) => line.message);
    forger.send({ case: "started", value: { assignmentId } });
    await waitFor(() => ignored().length === 1, "the forged start to be refused");
    forger.send({
      case: "completed",
      value: { assignmentId, result: { kind: { case: "stringValue", value: "forged" } } },
    });
    forger.send({
      case: "failed",
      value: { assignmentId, error: { type: "Forged", message: "forged", chain: ["Forged"] } },
    });
    await waitFor(() => ignored().length === 3, "the forged result and failure to be refused");
    expect(ignored()).toEqual([
      "ignored a start of an assignment the worker does not hold",
      "ignored a result for an assignment the worker does not hold",
      "ignored a result for an assignment the worker does not hold",
    ]);
    expect((await invocations.getInvocation({ id: invocation.id })).invocation).toEqual(before);

    // The holder's own report wins, with its exact values.
    owner.send({ case: "started", value: { assignmentId } });
    owner.send({
      case: "completed",
      value: { assignmentId, result: { kind: { case: "stringValue", value: "real" } } },
    });
    expect(await invocation.result()).toBe("real");
    const info = await invocation.get();
    expect([info.status, info.result, info.attempt]).toEqual(["SUCCESS", "real", 1]);
    expect(logger.find("warn", { workerId: "w-owner" })).toEqual([]);
    forger.close();
    owner.close();
    await victim.close();
    await stillServing();
  });
});
