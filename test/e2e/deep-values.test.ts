import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { jsonToValue } from "@nenc/protocol";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import {
  type EventContext,
  type Invocation,
  type JsonObject,
  type JsonValue,
  Nenc,
  TaskFailedError,
  TriggerBuilder,
  ValueNotAcceptedError,
} from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

/** `{"a": {"a": ... 1}}`, `depth` objects deep (a scalar is 0 levels, `{"a": 1}` is 1). */
function nest(depth: number): JsonObject {
  let value: JsonValue = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as JsonObject;
}

const TOO_DEEP =
  "is nested more than 64 levels deep; the limit is 64 levels of JSON nesting (flatten the value or send a reference instead)";

function payloadOf(context: EventContext): JsonObject {
  return context.payload as JsonObject;
}

describe.each(STORE_KINDS)("values that cannot travel fail the invocation, not the stream, on %s", (kind) => {
  let server: NencServer;
  let app: Nenc;
  let logs: RecordingLogger;
  let sessions: Http2SessionManager;
  let raw: RawWorker | undefined;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    logs = recordingLogger();
    server = await startTestServer({
      kind,
      logger: logs,
      orchestrator: { maxPayloadBytes: 4096, maxWorkerLosses: 3 },
    });
    sessions = new Http2SessionManager(server.url);
    app = new Nenc({ url: server.url, appId: "deep" });
  });

  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await app?.close();
    sessions?.abort();
    await server?.stop();
  });

  const connections = (appId: string) =>
    logs.lines.filter((l) => l.message === "worker connected" && l.fields.appId === appId).length;

  it("the probe: 60 levels travel, 70 fail that invocation only; the worker's other task runs once, its stream stays up", async () => {
    let echoes = 0;
    let others = 0;
    const echo = app.task("echo", async ({ depth }: { depth: number }) => {
      echoes++;
      return nest(depth);
    });
    const other = app.task("other", async ({ n }: { n: number }) => {
      others++;
      return n * 2;
    });
    await app.startWorker({ concurrency: 2 });

    expect(await (await echo.invoke({ depth: 60 })).result()).toEqual(nest(60));
    const deep = await echo.invoke({ depth: 70 });
    const error = await deep.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remoteType).toBe("ResultNotAccepted");
    expect((error as TaskFailedError).remoteMessage).toBe(`the task's result ${TOO_DEEP}`);
    expect(await (await other.invoke({ n: 21 })).result()).toBe(42);

    const info = await deep.get();
    expect([info.status, info.attempt, info.error?.type]).toEqual(["FAILED", 1, "ResultNotAccepted"]);
    expect([echoes, others]).toEqual([2, 1]);
    expect(connections("deep")).toBe(1);
    expect(logs.lines.filter((l) => l.message === "worker disconnected")).toEqual([]);
  });

  it("a result the SDK refuses is retried as the task's policy says", async () => {
    let runs = 0;
    const deep = app.task(
      "deep_retry",
      async () => {
        runs++;
        return nest(65);
      },
      { retry: { maxRetries: 1, initialBackoffMs: 1 } },
    );
    await app.startWorker();
    const invocation = await deep.invoke({});
    await expect(invocation.result()).rejects.toThrow(`ResultNotAccepted: the task's result ${TOO_DEEP}`);
    const info = await invocation.get();
    expect([info.status, info.attempt, runs]).toEqual(["FAILED", 2, 2]);
  });

  it("64 levels travel end to end: arguments, an event payload through a provider function, results", async () => {
    const deep = app.task("deep_echo", async (args: JsonObject) => args);
    app.task("from_event", async (args: JsonObject) => args, {
      triggers: new TriggerBuilder().onEvent("deep.event").withArgsFromEvent(payloadOf),
    });
    await app.startWorker();

    expect(await (await deep.invoke(nest(64))).result()).toEqual(nest(64));
    await app.trigger.emitEvent("deep.event", nest(64));
    await server.orchestrator.settled(15_000);
    const runs = await app.listInvocations({ taskId: "from_event" });
    expect(runs.map((run) => [run.status, run.arguments, run.result])).toEqual([
      ["SUCCESS", nest(64), nest(64)],
    ]);
  });

  it("arguments and payloads past 64 levels: refused in the client process, and by the server naming the field", async () => {
    app.task("deep_echo", async (args: JsonObject) => args);
    await app.register();
    await expect(app.invoke("deep_echo", nest(65))).rejects.toThrow(
      new ValueNotAcceptedError(`the arguments ${TOO_DEEP}`),
    );
    await expect(app.trigger.emitEvent("deep.event", nest(65))).rejects.toThrow(
      new ValueNotAcceptedError(`the event payload ${TOO_DEEP}`),
    );

    const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
    const invocations = createClient(InvocationService, transport);
    const events = createClient(EventService, transport);
    const refused = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      return [(error as ConnectError).code, (error as ConnectError).rawMessage];
    };
    for (const depth of [65, 100]) {
      expect(
        await refused(invocations.invoke({ taskId: "deep_echo", arguments: jsonToValue(nest(depth)) })),
      ).toEqual([Code.ResourceExhausted, `arguments: ${TOO_DEEP}`]);
      expect(
        await refused(events.emitEvent({ code: "deep.event", payload: jsonToValue(nest(depth)) })),
      ).toEqual([Code.ResourceExhausted, `payload: ${TOO_DEEP}`]);
    }
    expect(await app.listInvocations({ taskId: "deep_echo" })).toEqual([]);
    expect(logs.lines.filter((l) => l.level === "error")).toEqual([]);
  });

  it("a raw worker's too-deep, NaN and oversized results fail their attempts (retries apply); its stream stays open", async () => {
    app.task("raw_task", async () => null, { retry: { maxRetries: 1, initialBackoffMs: 1 } });
    await app.register();
    raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: { appId: "deep", workerId: "w-raw", concurrency: 1, taskIds: ["raw_task"] },
    });
    const welcome = await raw.next();
    if (welcome.message.case !== "welcome") throw new Error(`expected welcome, got ${welcome.message.case}`);
    expect([welcome.message.value.maxJsonDepth, welcome.message.value.maxPayloadBytes]).toEqual([64, 4096n]);

    const nextAssignment = async () => {
      const message = (await raw!.next()).message;
      if (message.case !== "assignment") throw new Error(`expected an assignment, got ${message.case}`);
      return message.value;
    };
    const answer = async (result: Parameters<typeof jsonToValue>[0] | "NaN" | "Infinity") => {
      const assignment = await nextAssignment();
      raw!.send({
        case: "completed",
        value: {
          assignmentId: assignment.assignmentId,
          result:
            result === "NaN" || result === "Infinity"
              ? {
                  kind: {
                    case: "numberValue",
                    value: result === "NaN" ? Number.NaN : Number.POSITIVE_INFINITY,
                  },
                }
              : jsonToValue(result),
        },
      });
      return assignment.attempt;
    };

    const first = await app.invoke("raw_task", {});
    expect(await answer(nest(70))).toBe(1);
    expect(await answer("NaN")).toBe(2);
    const firstInfo = await waitFinal(first);
    expect([firstInfo.status, firstInfo.attempt, firstInfo.error?.type, firstInfo.error?.message]).toEqual([
      "FAILED",
      2,
      "ResultNotAccepted",
      "result: is not a JSON value: google.protobuf.Value cannot be NaN or Infinity",
    ]);

    const second = await app.invoke("raw_task", {});
    expect(await answer(nest(120))).toBe(1);
    expect(await answer({ blob: "x".repeat(5000) })).toBe(2);
    const secondInfo = await waitFinal(second);
    expect([secondInfo.status, secondInfo.attempt, secondInfo.error?.type]).toEqual([
      "FAILED",
      2,
      "ResultNotAccepted",
    ]);
    expect(secondInfo.error?.message).toMatch(/^result: is 5\d\d\d bytes of JSON; the limit is 4096/);

    const third = await app.invoke("raw_task", {});
    expect(await answer(nest(64))).toBe(1);
    expect(await third.result()).toEqual(nest(64));
    const attemptErrors = (await app.listInvocations({ taskId: "raw_task" })).map((i) => i.status).sort();
    expect(attemptErrors).toEqual(["FAILED", "FAILED", "SUCCESS"]);
    expect(await Promise.race([raw.ended.then(() => "ended"), Promise.resolve("open")])).toBe("open");
    expect(connections("deep")).toBe(1);
    expect(logs.lines.filter((l) => l.level === "error")).toEqual([]);

    async function waitFinal(invocation: Invocation<unknown>) {
      await invocation.result().catch(() => undefined);
      return invocation.get();
    }
  });

  it("a raw worker's too-deep and NaN function values fail that evaluation only; its stream stays open", async () => {
    await app.clients.apps.registerApp({
      appId: "fx",
      tasks: [{ id: "source" }, { id: "target" }],
      triggers: [
        {
          targetTaskId: "target",
          conditions: [{ kind: { case: "status", value: { taskId: "source" } } }],
          argumentProviders: [{ kind: { case: "function", value: { function: "deep_fn" } } }],
        },
      ],
    });
    raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: {
        appId: "fx",
        workerId: "w-fx",
        concurrency: 4,
        taskIds: ["source", "target"],
        functions: ["deep_fn"],
      },
    });
    expect((await raw.next()).message.case).toBe("welcome");
    const nextMessage = async <C extends string>(kind: C) => {
      const message = (await raw!.next()).message;
      if (message.case !== kind) throw new Error(`expected ${kind}, got ${message.case}`);
      return message as Extract<typeof message, { case: C }>;
    };
    const answerWith = async (answer: Value) => {
      const invocation = await app.invoke("source", {});
      const assigned = await nextMessage("assignment");
      raw!.send({
        case: "completed",
        value: { assignmentId: assigned.value.assignmentId, result: jsonToValue(null) },
      });
      expect(await invocation.result()).toBe(null);
      const asked = await nextMessage("evaluate");
      raw!.send({ case: "evaluated", value: { requestId: asked.value.requestId, value: answer } });
    };
    await answerWith(jsonToValue(nest(70)));
    await answerWith({ kind: { case: "numberValue", value: Number.NaN } } as Value);
    await server.orchestrator.settled(15_000);
    expect(await app.listInvocations({ taskId: "target" })).toEqual([]);

    await answerWith(jsonToValue({ ok: 1 }));
    const target = await nextMessage("assignment");
    expect([target.value.taskId, target.value.arguments]).toEqual(["target", { ok: 1 }]);
    raw.send({
      case: "completed",
      value: { assignmentId: target.value.assignmentId, result: jsonToValue("done") },
    });
    await server.orchestrator.settled(15_000);
    const triggerId = (await app.clients.triggers.listTriggers({ targetTaskId: "target" })).triggers[0]!.id;
    const explained = await app.trigger.explain(triggerId);
    expect(explained.evaluations.map((evaluation) => evaluation.outcome)).toEqual([
      "fired",
      "errored",
      "errored",
    ]);
    // Newest first.
    expect(explained.evaluations.slice(1).map((evaluation) => evaluation.detail)).toEqual([
      "argument provider 0 (function deep_fn) failed: ValueNotAccepted: the function's value: is not a JSON value: google.protobuf.Value cannot be NaN or Infinity",
      `argument provider 0 (function deep_fn) failed: ValueNotAccepted: the function's value: ${TOO_DEEP}`,
    ]);
    expect(await Promise.race([raw.ended.then(() => "ended"), Promise.resolve("open")])).toBe("open");
    expect(connections("fx")).toBe(1);
  });

  it("an invocation whose worker's stream ends while holding it, maxWorkerLosses times, fails as WorkerLost", async () => {
    app.task("lossy", async () => null);
    await app.register();
    const hello = () => {
      const worker = openRawWorker(server.url);
      worker.send({
        case: "hello",
        value: { appId: "deep", workerId: "w-loss", concurrency: 1, taskIds: ["lossy"] },
      });
      return worker;
    };
    const lossy = await app.invoke("lossy", {});
    for (let loss = 1; loss <= 3; loss++) {
      const worker = hello();
      expect((await worker.next()).message.case).toBe("welcome");
      const assigned = (await worker.next()).message;
      expect(assigned.case === "assignment" && [assigned.value.invocationId, assigned.value.attempt]).toEqual(
        [lossy.id, 1],
      );
      worker.close();
      await waitFor(
        () => logs.lines.filter((l) => l.message === "worker disconnected").length === loss,
        `loss ${loss} to be released`,
      );
      expect(await lossy.status()).toBe("REGISTERED");
    }
    raw = hello();
    expect((await raw.next()).message.case).toBe("welcome");
    await expect(lossy.result()).rejects.toThrow(
      "WorkerLost: its worker lost it 3 times (the stream ended, the lease ran out or it was not started within a lease); failed instead of running it again (maxWorkerLosses 3, NENC_MAX_WORKER_LOSSES)",
    );
    const info = await lossy.get();
    expect([info.status, info.attempt, info.error?.type]).toEqual(["FAILED", 1, "WorkerLost"]);
    expect(logs.find("warn", { invocationId: lossy.id, lost: 3 }).map((l) => l.message)).toEqual([
      "an invocation its workers kept losing was failed",
    ]);

    // The stream that refused it carries on: the next invocation runs on it.
    const next = await app.invoke("lossy", {});
    const assigned = (await raw.next()).message;
    if (assigned.case !== "assignment") throw new Error(`expected an assignment, got ${assigned.case}`);
    expect(assigned.value.invocationId).toBe(next.id);
    raw.send({
      case: "completed",
      value: { assignmentId: assigned.value.assignmentId, result: jsonToValue("ran") },
    });
    expect(await next.result()).toBe("ran");
  });

  it("work a prefetching worker held for a slot is not counted lost when its stream ends", async () => {
    app.task("held", async () => null);
    await app.register();
    const [started, ...waiting] = await Promise.all([0, 1, 2].map(() => app.invoke("held", {})));
    // Three times: a worker with one slot and two more held takes all three, starts the first, and drops.
    for (let loss = 1; loss <= 3; loss++) {
      const worker = openRawWorker(server.url);
      worker.send({
        case: "hello",
        value: { appId: "deep", workerId: "w-held", concurrency: 1, prefetch: 2, taskIds: ["held"] },
      });
      expect((await worker.next()).message.case).toBe("welcome");
      const ids = new Map<string, string>();
      while (ids.size < 3) {
        const message = (await worker.next()).message;
        if (message.case === "assignment") ids.set(message.value.invocationId, message.value.assignmentId);
      }
      worker.send({ case: "started", value: { assignmentId: ids.get(started!.id) as string } });
      await waitFor(async () => (await started!.status()) === "RUNNING", "the start recorded");
      worker.close();
      await waitFor(
        () => logs.lines.filter((l) => l.message === "worker disconnected").length === loss,
        `loss ${loss} to be released`,
      );
    }
    // The started one was lost three times (maxWorkerLosses 3); the held ones never.
    raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: { appId: "deep", workerId: "w-last", concurrency: 3, taskIds: ["held"] },
    });
    expect((await raw.next()).message.case).toBe("welcome");
    await expect(started!.result()).rejects.toThrow("WorkerLost: its worker lost it 3 times");
    const assigned: string[] = [];
    while (assigned.length < 2) {
      const message = (await raw.next()).message;
      if (message.case !== "assignment") continue;
      assigned.push(message.value.invocationId);
      raw.send({
        case: "completed",
        value: { assignmentId: message.value.assignmentId, result: jsonToValue("ran") },
      });
    }
    expect(assigned.sort()).toEqual(waiting.map((invocation) => invocation.id).sort());
    expect(await Promise.all(waiting.map((invocation) => invocation.result()))).toEqual(["ran", "ran"]);
  });
});
