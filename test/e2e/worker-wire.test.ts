/**
 * The worker stream's two forms, spoken by hand: JSON bytes and batches for a
 * worker that announces them in its hello, google.protobuf.Struct/Value and one
 * assignment per frame for one that does not (the Python SDK, older workers); and
 * the SDK's worker falling back to the old forms with an orchestrator that does not
 * announce them in its welcome.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { jsonToValue, valueToJson } from "@nenc/protocol";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import {
  type Assignment,
  type ConnectRequest,
  type ConnectResponse,
  WorkerService,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { type Invocation, type JsonObject, type JsonValue, Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";

/** A message from the orchestrator. */
type Frame = Exclude<ConnectResponse["message"], { case: undefined }>;
type FrameValue = { [F in Frame as F["case"]]: F["value"] };

const bytes = (json: string) => new TextEncoder().encode(json);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

const ARGUMENTS = { n: 7, name: "Zoë ✓", list: [1.5, null, true, "x"], nested: { deep: { ok: false } } };

describe.each(STORE_KINDS)("the worker stream's wire forms on %s", (kind) => {
  let server: NencServer;
  let app: Nenc;
  let raw: RawWorker | undefined;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind, orchestrator: { maxPayloadBytes: 4096 } });
    app = new Nenc({ url: server.url, appId: "wire" });
    app.task("echo", async (args: JsonObject) => args, { retry: { maxRetries: 1, initialBackoffMs: 1 } });
    await app.register();
  });

  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await app?.close();
    await server?.stop();
  });

  /** Opens a raw worker with `flags`; returns its welcome. */
  async function connect(concurrency: number, flags: { jsonValues?: boolean; batches?: boolean }) {
    raw = openRawWorker(server.url);
    raw.send({
      case: "hello",
      value: { appId: "wire", workerId: "w-wire", concurrency, taskIds: ["echo"], ...flags },
    });
    const welcome = (await raw.next()).message;
    if (welcome.case !== "welcome") throw new Error(`expected welcome, got ${welcome.case}`);
    return welcome.value;
  }

  async function next<C extends keyof FrameValue>(expected: C): Promise<FrameValue[C]> {
    const message = (await raw!.next()).message;
    const got: string | undefined = message.case;
    if (got !== expected) throw new Error(`expected ${expected}, got ${got}`);
    return message.value as FrameValue[C];
  }

  async function finalInfo(invocation: Invocation<unknown>) {
    await invocation.result().catch(() => undefined);
    return invocation.get();
  }

  it("a worker announcing json_values gets JSON bytes, and the JSON bytes it sends are stored exactly", async () => {
    const welcome = await connect(1, { jsonValues: true });
    expect([welcome.jsonValues, welcome.batches]).toEqual([true, true]);

    const invocation = await app.invoke("echo", ARGUMENTS);
    const assignment = await next("assignment");
    expect([assignment.arguments, JSON.parse(text(assignment.argumentsJson))]).toEqual([
      undefined,
      ARGUMENTS,
    ]);
    expect([assignment.taskId, assignment.invocationId, assignment.attempt]).toEqual([
      "echo",
      invocation.id,
      1,
    ]);
    const result = '{"sum":2.5,"text":"naïve \\u2713","items":[null,false,{"k":[]}],"big":12345678901}';
    raw!.send({
      case: "completed",
      value: { assignmentId: assignment.assignmentId, resultJson: bytes(result) },
    });
    expect(await invocation.result()).toEqual(JSON.parse(result) as JsonValue);
    const info = await invocation.get();
    expect([info.status, info.attempt, info.arguments, info.result]).toEqual([
      "SUCCESS",
      1,
      ARGUMENTS,
      { sum: 2.5, text: "naïve ✓", items: [null, false, { k: [] }], big: 12345678901 },
    ]);
  });

  it("JSON bytes past the limits, not JSON or not finite fail the attempt as ResultNotAccepted; the stream stays open", async () => {
    await connect(1, { jsonValues: true });
    const answer = async (json: string) => {
      const assignment = await next("assignment");
      raw!.send({
        case: "completed",
        value: { assignmentId: assignment.assignmentId, resultJson: bytes(json) },
      });
      return assignment.attempt;
    };
    const deep = `${'{"a":'.repeat(65)}1${"}".repeat(65)}`;
    const first = await app.invoke("echo", {});
    expect(await answer(deep)).toBe(1);
    expect(await answer("1e400")).toBe(2);
    const firstInfo = await finalInfo(first);
    expect([firstInfo.status, firstInfo.attempt, firstInfo.error?.type, firstInfo.error?.message]).toEqual([
      "FAILED",
      2,
      "ResultNotAccepted",
      "result: is not JSON-serialisable at $",
    ]);

    const second = await app.invoke("echo", {});
    expect(await answer("{not json")).toBe(1);
    expect(await answer(JSON.stringify({ blob: "x".repeat(5000) }))).toBe(2);
    const secondInfo = await finalInfo(second);
    expect([secondInfo.status, secondInfo.attempt, secondInfo.error?.type]).toEqual([
      "FAILED",
      2,
      "ResultNotAccepted",
    ]);
    expect(secondInfo.error?.message).toBe(
      "result: is 5011 bytes of JSON; the limit is 4096 (raise NENC_MAX_PAYLOAD_BYTES or send a reference instead)",
    );

    const third = await app.invoke("echo", {});
    expect(await answer(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`)).toBe(1);
    expect(JSON.stringify(await third.result())).toBe(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`);
    expect(await Promise.race([raw!.ended.then(() => "ended"), Promise.resolve("open")])).toBe("open");
  });

  it("a batch of 5 ready assignments arrives as one frame of 5; one Reports frame settles them", async () => {
    const invocations = [];
    for (let n = 0; n < 5; n++) invocations.push(await app.invoke("echo", { n }));
    await connect(5, { jsonValues: true, batches: true });

    const batch = await next("assignments");
    const items: Assignment[] = batch.items;
    expect(items.map((item) => JSON.parse(text(item.argumentsJson)).n).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(items.map((item) => item.invocationId))).toEqual(new Set(invocations.map((i) => i.id)));

    // One started alone, and four started and ended in the same frame.
    const [alone, ...rest] = items as [Assignment, ...Assignment[]];
    raw!.send({
      case: "reports",
      value: {
        started: items.map((item) => ({ assignmentId: item.assignmentId })),
        completed: rest.map((item) => ({
          assignmentId: item.assignmentId,
          resultJson: bytes(JSON.stringify({ doubled: 2 * JSON.parse(text(item.argumentsJson)).n })),
        })),
      },
    });
    const byId = new Map(invocations.map((i) => [i.id, i]));
    for (const item of rest) {
      const n = JSON.parse(text(item.argumentsJson)).n as number;
      expect(await byId.get(item.invocationId)!.result()).toEqual({ doubled: 2 * n });
    }
    const running = byId.get(alone.invocationId)!;
    await expect.poll(() => running.status(), { timeout: 10_000 }).toBe("RUNNING");
    raw!.send({
      case: "reports",
      value: { failed: [{ assignmentId: alone.assignmentId, error: { type: "Boom", message: "no" } }] },
    });
    // Retried once (maxRetries 1): the retry comes back alone, as a plain assignment.
    const retry = await next("assignment");
    expect([retry.invocationId, retry.attempt]).toEqual([alone.invocationId, 2]);
    raw!.send({
      case: "completed",
      value: { assignmentId: retry.assignmentId, resultJson: bytes('"second"') },
    });
    expect(await running.result()).toBe("second");
    expect((await app.listInvocations({ taskId: "echo" })).map((i) => i.status)).toEqual(
      Array.from({ length: 5 }, () => "SUCCESS"),
    );
  });

  it("a worker without flags gets Struct arguments one assignment per frame, and may send either form", async () => {
    const invocations = [];
    for (let n = 0; n < 3; n++) invocations.push(await app.invoke("echo", { ...ARGUMENTS, n }));
    await connect(3, {});

    const assignments = [await next("assignment"), await next("assignment"), await next("assignment")];
    const n = (assignment: Assignment) => (assignment.arguments?.n as number) ?? -1;
    expect(
      [...assignments].sort((x, y) => n(x) - n(y)).map((a) => [a.argumentsJson.length, a.arguments]),
    ).toEqual([0, 1, 2].map((i) => [0, { ...ARGUMENTS, n: i }]));
    const [a, b, c] = assignments as [Assignment, Assignment, Assignment];
    raw!.send({
      case: "completed",
      value: { assignmentId: a.assignmentId, result: jsonToValue({ via: "value" }) },
    });
    raw!.send({
      case: "reports",
      value: {
        started: [{ assignmentId: b.assignmentId }],
        completed: [
          { assignmentId: b.assignmentId, resultJson: bytes('{"via":"bytes"}') },
          { assignmentId: c.assignmentId, result: jsonToValue([1, "two"]) },
        ],
      },
    });
    const byId = new Map(invocations.map((i) => [i.id, i]));
    expect(await byId.get(a.invocationId)!.result()).toEqual({ via: "value" });
    expect(await byId.get(b.invocationId)!.result()).toEqual({ via: "bytes" });
    expect(await byId.get(c.invocationId)!.result()).toEqual([1, "two"]);
  });
});

describe("an SDK worker and an orchestrator that announces neither JSON bytes nor batches (an older one)", () => {
  let server: http2.Http2Server | undefined;
  let app: Nenc | undefined;

  afterEach(async () => {
    await app?.close();
    server?.close();
  });

  it("reads Struct arguments and answers with a google.protobuf.Value, one report per frame", async () => {
    const received: ConnectRequest["message"][] = [];
    let completed!: () => void;
    const done = new Promise<void>((resolve) => (completed = resolve));
    let streams = 0;
    const routes = (router: ConnectRouter) => {
      router.service(AppService, { registerApp: async () => ({}) });
      router.service(WorkerService, {
        async *connect(requests) {
          const iterator = requests[Symbol.asyncIterator]();
          const hello = await iterator.next();
          if (hello.done) return;
          received.push(hello.value.message);
          yield {
            message: {
              case: "welcome",
              value: { workerId: "w", heartbeatIntervalMs: 60_000n, leaseMs: 120_000n },
            },
          };
          if (++streams === 1) {
            const args = { n: 21, tags: ["a", "b"] };
            yield {
              message: {
                case: "assignment",
                value: {
                  assignmentId: "as-1",
                  invocationId: "inv-1",
                  taskId: "double",
                  arguments: args,
                  attempt: 1,
                },
              },
            };
          }
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            if (next.value.message.case === "heartbeat") continue;
            received.push(next.value.message);
            if (next.value.message.case === "completed") completed();
          }
        },
      });
    };
    server = http2.createServer(connectNodeAdapter({ routes }));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    app = new Nenc({ url: `http://127.0.0.1:${port}`, appId: "old" });
    app.task("double", async ({ n, tags }: { n: number; tags: string[] }) => ({ doubled: n * 2, tags }));
    await app.startWorker({ concurrency: 4 });
    await done;

    expect(received.map((message) => message.case)).toEqual(["hello", "started", "completed"]);
    const [hello, started, result] = received;
    expect(hello?.case === "hello" && [hello.value.jsonValues, hello.value.batches]).toEqual([true, true]);
    expect(started?.value).toMatchObject({ assignmentId: "as-1" });
    if (result?.case !== "completed") throw new Error("expected completed");
    expect([result.value.assignmentId, result.value.resultJson.length]).toEqual(["as-1", 0]);
    expect(valueToJson(result.value.result)).toEqual({ doubled: 42, tags: ["a", "b"] });
  });

  it("a result kept while disconnected goes as a Value to a reconnected stream whose orchestrator reads no JSON bytes", async () => {
    const seen: Array<{ stream: number; message: ConnectRequest["message"] }> = [];
    let gate!: () => void;
    const released = new Promise<void>((resolve) => (gate = resolve));
    let ended!: () => void;
    const taskEnded = new Promise<void>((resolve) => (ended = resolve));
    let completed!: () => void;
    const done = new Promise<void>((resolve) => (completed = resolve));
    let streams = 0;
    const routes = (router: ConnectRouter) => {
      router.service(AppService, { registerApp: async () => ({}) });
      router.service(WorkerService, {
        async *connect(requests) {
          const stream = ++streams;
          const iterator = requests[Symbol.asyncIterator]();
          const hello = await iterator.next();
          if (hello.done) return;
          seen.push({ stream, message: hello.value.message });
          const terms = { workerId: "w", heartbeatIntervalMs: 60_000n, leaseMs: 120_000n };
          if (stream === 1) {
            // A newer orchestrator: the worker takes the work, then the stream breaks.
            yield { message: { case: "welcome", value: { ...terms, jsonValues: true, batches: true } } };
            const value = { assignmentId: "as-1", invocationId: "inv-1", taskId: "slow", attempt: 1 };
            yield { message: { case: "assignment", value: { ...value, argumentsJson: bytes('{"n":5}') } } };
            const started = await iterator.next();
            if (!started.done) seen.push({ stream, message: started.value.message });
            return;
          }
          // An older one: the task ends before its welcome, so its result waits for it.
          gate();
          await taskEnded;
          await new Promise((resolve) => setImmediate(resolve));
          yield { message: { case: "welcome", value: terms } };
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            if (next.value.message.case === "heartbeat") continue;
            seen.push({ stream, message: next.value.message });
            if (next.value.message.case === "completed") completed();
          }
        },
      });
    };
    server = http2.createServer(connectNodeAdapter({ routes }));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    app = new Nenc({ url: `http://127.0.0.1:${port}`, appId: "old" });
    app.task("slow", async ({ n }: { n: number }) => {
      await released;
      ended();
      return { n, text: "done ✓" };
    });
    await app.startWorker({ concurrency: 1 });
    await done;

    expect(seen.map(({ stream, message }) => [stream, message.case])).toEqual([
      [1, "hello"],
      [1, "started"],
      [2, "hello"],
      [2, "completed"],
    ]);
    const rehello = seen[2]?.message;
    expect(rehello?.case === "hello" && rehello.value.heldAssignmentIds).toEqual(["as-1"]);
    const result = seen[3]?.message;
    if (result?.case !== "completed") throw new Error("expected completed");
    expect([result.value.assignmentId, result.value.resultJson.length]).toEqual(["as-1", 0]);
    expect(valueToJson(result.value.result)).toEqual({ n: 5, text: "done ✓" });
  });
});
