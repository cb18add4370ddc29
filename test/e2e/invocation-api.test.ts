/**
 * The invocation API as clients see it, on both stores: waiting for completion
 * without polling (AwaitInvocation), paging through ListInvocations, the SDK's typed
 * errors, and a worker that drains when stopped.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { InvalidArgumentError, Nenc, NotFoundError } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/domain/json.js";
import { valueToJson } from "../../src/transport/convert-trigger.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

describe.each(STORE_KINDS)("the invocation API on %s", (kind) => {
  let server: NencServer;
  let sessions: Http2SessionManager;
  let invocations: ReturnType<typeof createClient<typeof InvocationService>>;
  let app: Nenc;
  let logs: RecordingLogger;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    logs = recordingLogger();
    server = await startTestServer({ kind, logger: logs });
    sessions = new Http2SessionManager(server.url);
    invocations = createClient(
      InvocationService,
      createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }),
    );
    app = new Nenc({ url: server.url, appId: "api" });
  });

  afterEach(async () => {
    await app?.close();
    sessions?.abort();
    await server?.stop();
  });

  it("AwaitInvocation answers when the invocation ends, and not-done when its timeout passes first", async () => {
    const release = deferred();
    app.task("gated", async ({ n }: { n: number }) => {
      await release.promise;
      return n + 1;
    });
    await app.startWorker({ concurrency: 1 });
    const { id } = await app.invoke("gated", { n: 41 });

    const early = await invocations.awaitInvocation({ id, timeoutMs: 50n });
    expect(early.done).toBe(false);
    expect([InvocationStatus.PENDING, InvocationStatus.RUNNING]).toContain(early.invocation?.status);

    const waiting = invocations.awaitInvocation({ id, timeoutMs: 60_000n });
    release.resolve();
    const answer = await waiting;
    expect(answer.done).toBe(true);
    expect(answer.invocation?.status).toBe(InvocationStatus.SUCCESS);
    expect(answer.invocation?.result && valueToJson(answer.invocation.result, "result")).toBe(42);
  });

  it("ListInvocations pages with nextPageToken: every invocation once, newest first", async () => {
    app.task("paged", async () => null);
    await app.register();
    const created: string[] = [];
    for (let i = 0; i < 25; i++) created.push((await app.invoke("paged", { i })).id);

    const pages: string[][] = [];
    let pageToken = "";
    do {
      const page = await invocations.listInvocations({ taskId: "paged", pageSize: 10, pageToken });
      pages.push(page.invocations.map((invocation) => invocation.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual([...created].reverse());
  });

  it("the SDK throws typed errors: NotFoundError for an unknown task, InvalidArgumentError for bad arguments", async () => {
    app.task("known", async () => null);
    await app.register();
    const unknown = await app.invoke("no_such_task").catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect((unknown as NotFoundError).message).toContain('task "no_such_task" not found');
    const notAnObject = await app
      .invoke("known", [1, 2] as unknown as JsonObject)
      .catch((error: unknown) => error);
    expect(notAnObject).toBeInstanceOf(InvalidArgumentError);
    expect((notAnObject as InvalidArgumentError).message).toContain("arguments: must be a JSON object");
  });

  it("an invalid retry policy is refused at registration, naming the field", async () => {
    app.task("retrying", async () => null, { retry: { maxRetries: 3, backoffMultiplier: 0.5 } });
    const error = await app.register().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toContain(
      "retry.backoffMultiplier: must be from 1 to 100",
    );
  });

  it("worker.stop() lets the running task finish and record its result, then takes no more work", async () => {
    const release = deferred();
    let started = 0;
    app.task("slow", async ({ n }: { n: number }) => {
      started++;
      await release.promise;
      return n;
    });
    const worker = await app.startWorker({ concurrency: 1 });
    const running = await app.invoke<number>("slow", { n: 1 });
    await waitFor(() => started === 1, "the task to start");
    const stopped = worker.stop();
    release.resolve();
    await stopped;
    expect(await running.get()).toMatchObject({ status: "SUCCESS", result: 1 });

    // Once the server saw the worker go, nobody serves "slow": new work waits, unassigned.
    await waitFor(
      () => logs.lines.some((line) => line.message === "worker disconnected"),
      "the server to see the worker's stream end",
    );
    const later = await app.invoke<number>("slow", { n: 2 });
    expect((await later.get()).status).toBe("REGISTERED");
    expect(started).toBe(1);
  });
});
