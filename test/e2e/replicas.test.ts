/**
 * Several orchestrator processes on one Redis (docs/design.md §2): workers spread across
 * them, every invocation runs once, every event and cron slot fires each trigger
 * once, AND partial state is shared.
 */

import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Replica, startReplica } from "../support/replicas.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const redisAvailable = storeAvailable("redis");

function isOdd(payload: JsonObject): boolean {
  return Number(payload.n) % 2 === 1;
}

describe.skipIf(!redisAvailable)("three replicas on one Redis", () => {
  let replicas: Replica[] = [];
  const apps: Nenc[] = [];
  const runs = new Map<string, number>();
  const count = (key: string): void => {
    runs.set(key, (runs.get(key) ?? 0) + 1);
  };

  /** The same app, one instance per replica, each with its own worker. */
  function declare(url: string): Nenc {
    const app = new Nenc({ url, appId: "multi" });
    apps.push(app);
    const work = app.task("work", async ({ n }: { n: number }) => {
      count(`work:${n}`);
      return n;
    });
    const step = app.task("step", async ({ n }: { n: number }) => n);
    app.task("on_event", async ({ n }: { n: number }) => count(`event:${n}`), {
      triggers: new TriggerBuilder().onEvent("tick").withArgsFromCel("{'n': payload.n}"),
    });
    app.task("on_odd_event", async ({ n }: { n: number }) => count(`odd:${n}`), {
      triggers: new TriggerBuilder()
        .onEvent("tick", { payloadFilter: isOdd })
        .withArgsFromCel("{'n': payload.n}"),
    });
    app.task("every_second", async ({ slot }: { slot: number }) => count(`cron:${slot}`), {
      triggers: new TriggerBuilder().onCron("* * * * * *").withArgsFromCel("{'slot': scheduledTime}"),
    });
    app.task("joined", async ({ n }: { n: number }) => count(`joined:${n}`), {
      triggers: new TriggerBuilder()
        .onSuccess(step)
        .onEvent("go")
        .correlateBy("n")
        .withArgsFromCel("{'n': contexts[1].payload.n}"),
    });
    void work;
    return app;
  }

  beforeAll(async () => {
    const prefix = uniquePrefix();
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(inject("redisUrl"), prefix)));
    for (const replica of replicas) await declare(replica.url).startWorker({ concurrency: 8 });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it("runs every invocation exactly once, whichever replica got it", async () => {
    const client = apps[0] as Nenc;
    const invocations = await Promise.all(
      Array.from({ length: 300 }, (_, n) => (apps[n % 3] as Nenc).invoke<number>("work", { n })),
    );
    expect(await Promise.all(invocations.map((invocation) => invocation.result()))).toEqual(
      Array.from({ length: 300 }, (_, n) => n),
    );
    expect(Array.from({ length: 300 }, (_, n) => runs.get(`work:${n}`))).toEqual(Array(300).fill(1));
    expect((await client.listInvocations({ taskId: "work", limit: 1000 })).length).toBe(300);
  });

  it("fires each matching trigger exactly once per event, function filters included", async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, n) => (apps[n % 3] as Nenc).trigger.emitEvent("tick", { n })),
    );
    await waitFor(
      () => Array.from({ length: 60 }, (_, n) => runs.has(`event:${n}`)).every(Boolean) && runs.has("odd:59"),
      "every event handled",
      30_000,
    );
    await waitFor(
      async () =>
        (await apps[0]!.listInvocations({ taskId: "on_odd_event", status: "SUCCESS" })).length === 30,
      "30 odd events handled",
    );
    expect(Array.from({ length: 60 }, (_, n) => runs.get(`event:${n}`))).toEqual(Array(60).fill(1));
    expect(Array.from({ length: 60 }, (_, n) => runs.get(`odd:${n}`) ?? 0)).toEqual(
      Array.from({ length: 60 }, (_, n) => n % 2),
    );
    expect((await apps[1]!.listInvocations({ taskId: "on_event", limit: 1000 })).length).toBe(60);
  });

  it("fires each cron slot exactly once across the replicas", async () => {
    const cronRuns = () => [...runs.keys()].filter((key) => key.startsWith("cron:"));
    await waitFor(() => cronRuns().length >= 4, "four cron slots", 15_000);
    const slots = cronRuns()
      .map((key) => Number(key.slice(5)))
      .sort((a, b) => a - b);
    expect(slots.every((slot) => runs.get(`cron:${slot}`) === 1)).toBe(true);
    for (let i = 1; i < slots.length; i++) expect((slots[i] as number) - (slots[i - 1] as number)).toBe(1000);
    const stored = await apps[2]!.listInvocations({ taskId: "every_second", limit: 1000 });
    expect(new Set(stored.map((run) => run.arguments.slot)).size).toBe(stored.length);
  });

  it("shares AND partial state: a task on one replica joins an event emitted on another", async () => {
    await (await apps[0]!.invoke("step", { n: 7 })).result();
    await (await apps[1]!.invoke("step", { n: 8 })).result();
    await apps[2]!.trigger.emitEvent("go", { n: 8 });
    await apps[1]!.trigger.emitEvent("go", { n: 7 });
    await waitFor(() => runs.has("joined:7") && runs.has("joined:8"), "both joins", 15_000);
    expect([runs.get("joined:7"), runs.get("joined:8")]).toEqual([1, 1]);
  });
});
