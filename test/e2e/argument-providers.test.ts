/**
 * Argument providers on both stores: how static and function providers merge, and
 * what withArgsFromStatus and withArgsFromContext receive (functions run on the
 * declaring app's worker; the contexts travel over the worker stream).
 */
import {
  type JsonObject,
  Nenc,
  type ResultContext,
  type StatusContext,
  TriggerBuilder,
  type TriggerContext,
} from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";

// Provider functions are module-level named functions, as the seed's rule 6 asks.
function urgentFromResult(context: ResultContext): JsonObject {
  return { level: "urgent", total: context.result as number };
}

function describeStatus(context: StatusContext): JsonObject {
  return {
    invocationId: context.invocationId,
    taskId: context.taskId,
    arguments: context.arguments,
    status: context.status,
    timestampIsDate: context.timestamp instanceof Date,
  };
}

function describeEveryContext(context: TriggerContext, contexts: TriggerContext[]): JsonObject {
  return {
    completedBy: context.kind,
    kinds: contexts.map((each) => each.kind).sort(),
    payload: contexts.flatMap((each) => (each.kind === "event" ? [each.payload] : [])),
    results: contexts.flatMap((each) => (each.kind === "result" ? [each.result] : [])),
  };
}

describe.each(STORE_KINDS)("argument providers on %s", (kind) => {
  let server: NencServer;
  let app: Nenc;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind });
    app = new Nenc({ url: server.url, appId: "providers" });
  });

  afterEach(async () => {
    await app?.close();
    await server?.stop();
  });

  /** The arguments of the one successful run of `taskId`, once every occurrence was evaluated. */
  async function onlyRunOf(taskId: string) {
    await server.orchestrator.settled(15_000);
    const runs = await app.listInvocations({ taskId });
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status).toBe("SUCCESS");
    return runs[0]?.arguments;
  }

  it("static and function providers merge in declaration order, later keys winning", async () => {
    const add = app.task("add", async ({ a, b }: { a: number; b: number }) => a + b);
    app.task("notify", async (args: JsonObject) => args, {
      triggers: new TriggerBuilder()
        .onSuccess(add)
        .withArgsStatic({ level: "info", channel: "email" })
        .withArgsFromResult(urgentFromResult)
        .withArgsStatic({ channel: "sms" }),
    });
    await app.startWorker({ concurrency: 2 });
    expect(await (await add.invoke({ a: 2, b: 3 })).result()).toBe(5);
    expect(await onlyRunOf("notify")).toEqual({ level: "urgent", total: 5, channel: "sms" });
  });

  it("withArgsFromStatus receives the status context of the occurrence", async () => {
    const flaky = app.task("flaky", async ({ n }: { n: number }) => {
      throw new Error(`no ${n}`);
    });
    app.task("on_failed", async (args: JsonObject) => args, {
      triggers: new TriggerBuilder()
        .onStatus(flaky, { statuses: ["failed"] })
        .withArgsFromStatus(describeStatus),
    });
    await app.startWorker({ concurrency: 2 });
    const failed = await flaky.invoke({ n: 7 });
    await expect(failed.result()).rejects.toThrow("no 7");
    expect(await onlyRunOf("on_failed")).toEqual({
      invocationId: failed.id,
      taskId: "flaky",
      arguments: { n: 7 },
      status: "FAILED",
      timestampIsDate: true,
    });
  });

  it("withArgsFromContext sees the completing context and every context of an AND", async () => {
    const compute = app.task("compute", async () => 21);
    app.task("joined", async (args: JsonObject) => args, {
      triggers: new TriggerBuilder()
        .onAnyResult(compute)
        .onEvent("go")
        .withLogic("and")
        .withArgsFromContext(describeEveryContext),
    });
    await app.startWorker({ concurrency: 2 });
    expect(await (await compute.invoke({})).result()).toBe(21);
    await server.orchestrator.settled(15_000);
    await app.trigger.emitEvent("go", { who: "test" });
    expect(await onlyRunOf("joined")).toEqual({
      completedBy: "event",
      kinds: ["event", "result"],
      payload: [{ who: "test" }],
      results: [21],
    });
  });
});
