/**
 * A worker that reconnects while it still runs work (its stream broke; the SDKs
 * say hello again listing the assignments they still run): the new stream takes
 * that work over, and the old stream's end, however late it is noticed and by
 * whichever replica, neither puts the work back in the queue (it would run twice)
 * nor touches the worker's lease.
 */
import { Nenc } from "@nenc/sdk";
import { Redis } from "ioredis";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisKeys } from "../../src/store/redis/keys.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable, uniquePrefix } from "../support/stores.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { deferred, waitFor } from "../support/wait.js";

let cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function text(value: string) {
  return { kind: { case: "stringValue" as const, value } };
}

/** Says hello as worker `workerId` of app "roam" (task "job"), listing `held`; resolves once welcomed. */
async function connectWorker(url: string, workerId: string, held: string[] = []): Promise<RawWorker> {
  const worker = openRawWorker(url);
  cleanups.push(() => worker.close());
  worker.send({
    case: "hello",
    value: { appId: "roam", workerId, concurrency: 2, taskIds: ["job"], heldAssignmentIds: held },
  });
  expect((await worker.next()).message.case).toBe("welcome");
  return worker;
}

/** The next assignment on `worker` (failing on anything else). */
async function nextAssignment(worker: RawWorker): Promise<{ assignmentId: string; invocationId: string }> {
  const message = (await worker.next()).message;
  if (message.case !== "assignment") throw new Error(`expected an assignment, got ${message.case}`);
  return message.value;
}

async function client(url: string): Promise<Nenc> {
  const app = new Nenc({ url, appId: "roam" });
  app.task("job", async () => null);
  await app.register();
  cleanups.push(() => app.close());
  return app;
}

/** Waits until `logger`'s server has processed the end of a stream of `workerId`; returns what it requeued. */
async function streamEndHandled(
  logger: RecordingLogger,
  workerId: string,
  count: number,
): Promise<unknown[]> {
  const ends = () =>
    logger.find("info", { workerId }).filter((line) => line.message === "worker disconnected");
  await waitFor(() => ends().length === count, `the server to handle the end of ${workerId}'s stream`);
  return ends().map((line) => line.fields.requeued);
}

describe.each(STORE_KINDS)("a worker reconnecting to the same server: %s", (kind) => {
  it("keeps the work it still runs on the new stream; the replaced stream's end requeues nothing", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const logger = recordingLogger();
    const server: NencServer = await startTestServer({ kind, logger });
    cleanups.push(() => server.stop());
    const app = await client(server.url);

    const first = await connectWorker(server.url, "w-same");
    const invocation = await app.invoke<string>("job", {});
    const { assignmentId } = await nextAssignment(first);
    first.send({ case: "started", value: { assignmentId } });
    await waitFor(async () => (await invocation.status()) === "RUNNING", "the start to be recorded");
    const running = await invocation.get();

    // The worker says hello again before the server noticed that the first stream broke.
    const second = await connectWorker(server.url, "w-same", [assignmentId]);
    expect(await streamEndHandled(logger, "w-same", 1)).toEqual([0]);
    expect(await invocation.get()).toEqual(running);

    // The new stream gets new work (its credit counts the held assignment) and reports both.
    const next = await app.invoke<string>("job", {});
    const assigned = await nextAssignment(second);
    expect(assigned.invocationId).toBe(next.id);
    second.send({ case: "completed", value: { assignmentId, result: text("first") } });
    second.send({
      case: "completed",
      value: { assignmentId: assigned.assignmentId, result: text("second") },
    });
    expect([await invocation.result(), await next.result()]).toEqual(["first", "second"]);
    expect(await invocation.get()).toMatchObject({ status: "SUCCESS", attempt: 1, result: "first" });
  });
});

describe.skipIf(!storeAvailable("redis"))("a worker reconnecting to another replica on one Redis", () => {
  it("runs the work it held once; the old replica's late cleanup leaves work and lease alone", async () => {
    const prefix = uniquePrefix();
    const replica = async () => {
      const logger = recordingLogger();
      const store = await RedisStore.connect({ url: inject("redisUrl"), prefix });
      const server = await startTestServer({ store, logger });
      cleanups.push(() => server.stop());
      return { server, logger };
    };
    const b = await replica();
    const c = await replica();
    const redis = new Redis(inject("redisUrl"));
    cleanups.push(() => redis.quit());
    const keys = new RedisKeys(prefix);
    const app = await client(b.server.url);

    const onB = await connectWorker(b.server.url, "w-roam");
    const invocation = await app.invoke<string>("job", {});
    const { assignmentId } = await nextAssignment(onB);
    onB.send({ case: "started", value: { assignmentId } });
    await waitFor(async () => (await invocation.status()) === "RUNNING", "the start to be recorded");
    const running = await invocation.get();

    // The worker's stream to B broke on its side; it says hello to C, still running the task.
    const onC = await connectWorker(c.server.url, "w-roam", [assignmentId]);
    // Only then does B see the old stream end.
    onB.close();
    expect(await streamEndHandled(b.logger, "w-roam", 1)).toEqual([0]);
    expect(await invocation.get()).toEqual(running);
    // The lease and the worker's holdings are C's stream's, as C left them.
    expect(Number(await redis.zscore(keys.workers, "w-roam"))).toBeGreaterThan(Date.now());
    expect(await redis.hexists(keys.sessions, "w-roam")).toBe(1);
    expect(await redis.smembers(keys.worker("w-roam"))).toEqual([assignmentId]);

    // New work for the worker reaches it on C (had the held task been requeued, it would come first).
    const next = await app.invoke<string>("job", {});
    const assigned = await nextAssignment(onC);
    expect(assigned.invocationId).toBe(next.id);
    onC.send({ case: "completed", value: { assignmentId, result: text("held") } });
    onC.send({ case: "started", value: { assignmentId: assigned.assignmentId } });
    onC.send({ case: "completed", value: { assignmentId: assigned.assignmentId, result: text("new") } });
    expect([await invocation.result(), await next.result()]).toEqual(["held", "new"]);
    expect(await invocation.get()).toMatchObject({ status: "SUCCESS", attempt: 1, result: "held" });
    expect(await redis.smembers(keys.worker("w-roam"))).toEqual([]);
    expect(b.logger.find("warn", { workerId: "w-roam" })).toEqual([]);
    expect(c.logger.find("warn", { workerId: "w-roam" })).toEqual([]);
  });
});

describe("the TypeScript SDK worker across a broken stream", () => {
  it("sends the result of a task that ended while it was disconnected on its next stream, and the task runs once", async () => {
    const logger = recordingLogger();
    const server = await startTestServer({ logger });
    cleanups.push(() => server.stop());
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());

    const release = deferred();
    let runs = 0;
    let returned = false;
    const app = new Nenc({ url: proxy.url, appId: "cut" });
    cleanups.push(() => app.close());
    app.task("long", async () => {
      runs++;
      await release.promise;
      returned = true;
      return "done while offline";
    });
    await app.startWorker({ concurrency: 1 });
    const caller = new Nenc({ url: server.url, appId: "cut-caller" });
    cleanups.push(() => caller.close());
    const invocation = await caller.invoke<string>("long", {});
    await waitFor(async () => (await invocation.status()) === "RUNNING", "the task to start");

    // The worker's path to the server dies (the server still sees the stream open),
    // and stays down while the task ends.
    proxy.refusing = true;
    proxy.cutClients();
    await waitFor(() => proxy.refused > 0, "the worker to try to reconnect");
    release.resolve();
    await waitFor(() => returned, "the task to return");
    proxy.refusing = false;

    expect(await invocation.result()).toBe("done while offline");
    expect(runs).toBe(1);
    expect(await invocation.get()).toMatchObject({ status: "SUCCESS", attempt: 1 });
    expect(logger.lines.filter((line) => line.level === "warn")).toEqual([]);
  });
});
