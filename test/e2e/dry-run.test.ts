/**
 * Dry run (SPEC §11, issue 17 item 5, with a given context): what a stored trigger, or
 * a definition not stored, would do with one occurrence, function filters run on a
 * worker, and nothing fired or recorded. On each store; the SDK and the CLI.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cel, type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";

const run = promisify(execFile);

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))("dry run on %s", (kind) => {
  let server: NencServer;
  let app: Nenc;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ kind });
    app = new Nenc({ url: server.url, appId: `dry-${kind}` });
    const order = app.task("order", async ({ total }: { total: number }) => ({ total }));
    app.task("ship", async () => "shipped", {
      triggers: new TriggerBuilder()
        .onResult(order, { filterResult: cel("result.total > 100") })
        .withArgsFromCel("{'total': result.total}"),
    });
    const bigPayment = (payload: JsonObject) => Number(payload.amount) >= 1000;
    app.task("audit", async () => "audited", {
      triggers: new TriggerBuilder()
        .onEvent("paid", { payloadFilter: bigPayment })
        .withArgsStatic({ big: true }),
    });
    app.task("pack", async () => "packed", {
      triggers: new TriggerBuilder().onSuccess(order).onEvent("label.printed").withLogic("and"),
    });
    await app.startWorker();
    for (const task of ["ship", "audit", "pack"])
      ids[task] = (await app.trigger.list({ targetTaskId: task }))[0]?.id ?? "";
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it("a result filter and a CEL provider: would fire with these arguments, or filtered out", async () => {
    const big = await app.trigger.dryRun(ids.ship as string, {
      context: { kind: "result", taskId: "order", result: { total: 150 } },
    });
    expect(big).toEqual({
      wouldFire: true,
      arguments: { total: 150 },
      conditions: [{ index: 0, verdict: "match", detail: "" }],
      detail: "would fire ship",
    });
    const small = await app.trigger.dryRun(ids.ship as string, {
      context: { kind: "result", taskId: "order", result: { total: 50 } },
    });
    expect([small.wouldFire, small.conditions[0]?.verdict]).toEqual([false, "filtered"]);
    expect(small.detail).toContain("result.total > 100");
  });

  it("a function filter runs on a worker; an unrelated occurrence concerns no condition", async () => {
    const paid = (amount: number) =>
      app.trigger.dryRun(ids.audit as string, {
        context: { kind: "event", eventCode: "paid", payload: { amount } },
      });
    expect(await paid(5000)).toMatchObject({ wouldFire: true, arguments: { big: true } });
    expect(await paid(10)).toMatchObject({ wouldFire: false, conditions: [{ verdict: "filtered" }] });
    const other = await app.trigger.dryRun(ids.audit as string, {
      context: { kind: "event", eventCode: "refunded" },
    });
    expect(other).toEqual({
      wouldFire: false,
      conditions: [{ index: 0, verdict: "unrelated", detail: "" }],
      detail: "no condition concerns this occurrence",
    });
  });

  it("an AND trigger judged on one occurrence says what it would wait for", async () => {
    const run = await app.trigger.dryRun(ids.pack as string, {
      context: { kind: "status", taskId: "order", status: "SUCCESS" },
    });
    expect([run.wouldFire, run.detail, run.conditions.map((condition) => condition.verdict)]).toEqual([
      false,
      "would wait for condition(s) 1",
      ["match", "unrelated"],
    ]);
  });

  it("recent: replays the last stored occurrences of the trigger's sources, newest first", async () => {
    await app.trigger.emitEvent("paid", { amount: 3000 });
    await app.trigger.emitEvent("paid", { amount: 20 });
    await server.orchestrator.settled(20_000);
    const replays = await app.trigger.dryRun(ids.audit as string, { recent: 10 });
    expect(replays.map((replay) => [replay.wouldFire, replay.arguments, replay.detail])).toEqual([
      [false, undefined, expect.stringContaining("rejected by payloadFilter")],
      [true, { big: true }, "would fire audit"],
    ]);
    // (Those two events really fired or not: the live evaluation, not the replay.)
    expect((await app.listInvocations({ taskId: "audit" })).length).toBe(1);
  });

  it("a definition not stored, and the CLI; nothing was fired or recorded by any dry run", async () => {
    const builder = new TriggerBuilder().onEvent("restock").withArgsStatic({ reason: "restock" });
    expect(
      await app.trigger.dryRun(builder, { context: { kind: "event", eventCode: "restock" }, target: "ship" }),
    ).toMatchObject({ wouldFire: true, arguments: { reason: "restock" } });
    const cli = await run(process.execPath, [
      "bin/nenc.js",
      "triggers",
      "dry-run",
      ids.audit as string,
      "--context",
      '{"event":{"eventCode":"paid","payload":{"amount":2000}}}',
      "--url",
      server.url,
    ]);
    expect(JSON.parse(cli.stdout)).toMatchObject({ wouldFire: true, arguments: { big: true } });
    const recent = await run(process.execPath, [
      "bin/nenc.js",
      "triggers",
      "dry-run",
      ids.audit as string,
      "--recent",
      "5",
      "--url",
      server.url,
    ]);
    expect((JSON.parse(recent.stdout) as { replays: unknown[] }).replays).toHaveLength(2);
    for (const task of ["ship", "pack"]) {
      expect(await app.listInvocations({ taskId: task })).toEqual([]);
      expect((await app.trigger.explain(ids[task] as string)).evaluations).toEqual([]);
    }
    // audit's records and run are the two live events' (the previous test), none of the dry runs'.
    expect((await app.trigger.explain(ids.audit as string)).evaluations).toHaveLength(2);
    expect(await app.listInvocations({ taskId: "audit" })).toHaveLength(1);
  });
});
