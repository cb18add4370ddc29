/**
 * Crashes with real processes on Redis (SPEC §8): kill -9 of a replica under load,
 * of a worker mid-task, and of Redis itself (with AOF). Exact counts: nothing lost,
 * nothing fired twice.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import { startNencServer } from "nenc/server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/domain/logger.js";
import { startRedisServer } from "../support/redis-server.js";
import { type Replica, startReplica } from "../support/replicas.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const FAST_FAILOVER = { NENC_LEASE_MS: "1500", NENC_HEARTBEAT_MS: "300", NENC_RECLAIM_AFTER_MS: "1500" };

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

function app(url: string, appId: string): Nenc {
  const instance = new Nenc({ url, appId });
  cleanups.push(() => instance.close());
  return instance;
}

/** Declares the app every replica's worker runs; `ran` counts executions by key. */
function declareLoadApp(instance: Nenc, ran: Map<string, number>) {
  const count = (key: string) => {
    ran.set(key, (ran.get(key) ?? 0) + 1);
  };
  instance.task("work", async ({ n }: { n: number }) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    count(`work:${n}`);
    return n;
  });
  const step = instance.task("step", async ({ n }: { n: number }) => n);
  instance.task("on_event", async ({ n }: { n: number }) => count(`event:${n}`), {
    triggers: new TriggerBuilder().onEvent("load").withArgsFromCel("{'n': payload.n}"),
  });
  instance.task("joined", async ({ n }: { n: number }) => count(`joined:${n}`), {
    triggers: new TriggerBuilder()
      .onSuccess(step)
      .onEvent("go")
      .correlateBy("n")
      .withArgsFromCel("{'n': contexts[1].payload.n}"),
  });
  instance.task("each_second", async ({ slot }: { slot: number }) => count(`cron:${slot}`), {
    triggers: new TriggerBuilder().onCron("* * * * * *").withArgsFromCel("{'slot': scheduledTime}"),
  });
}

describe.skipIf(!storeAvailable("redis"))("crashes", () => {
  it("kill -9 of a replica under load loses no invocation, event, partial AND state or cron slot, and fires nothing twice", async () => {
    const prefix = uniquePrefix();
    const replicas: Replica[] = [];
    for (let i = 0; i < 3; i++) replicas.push(await startReplica(inject("redisUrl"), prefix, FAST_FAILOVER));
    cleanups.push(() => Promise.all(replicas.map((replica) => replica.kill())));
    const ran = new Map<string, number>();
    const apps = replicas.map((replica) => {
      const instance = app(replica.url, "load");
      declareLoadApp(instance, ran);
      return instance;
    });
    for (const instance of apps) await instance.startWorker({ concurrency: 4 });
    const [a, victim, c] = apps as [Nenc, Nenc, Nenc];

    // Partial AND state: steps done on every replica, their events come after the crash.
    for (const n of [1, 2, 3]) await (await (apps[n - 1] as Nenc).invoke("step", { n })).result();
    const invocations = await Promise.all(
      Array.from({ length: 150 }, (_, n) => (apps[n % 3] as Nenc).invoke<number>("work", { n })),
    );
    await Promise.all(
      Array.from({ length: 60 }, (_, n) => (apps[n % 3] as Nenc).trigger.emitEvent("load", { n })),
    );
    const firstSlots = [...ran.keys()].filter((key) => key.startsWith("cron:")).length;

    await replicas[1]!.kill();
    await victim.close();
    const survivors = [a, c];
    const later = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (survivors[i % 2] as Nenc).invoke<number>("work", { n: 150 + i })),
    );
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (survivors[i % 2] as Nenc).trigger.emitEvent("load", { n: 60 + i }),
      ),
    );
    for (const n of [1, 2, 3]) await (survivors[n % 2] as Nenc).trigger.emitEvent("go", { n });

    // Every invocation completes (work held by the dead replica's workers is redelivered).
    const results = await Promise.all(
      [...invocations, ...later].map((invocation) =>
        a.invocation<number>(invocation.id).result({ timeoutMs: 60_000 }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, n) => n));
    // Every event fired its trigger exactly once (one invocation per event), every join completed once.
    await waitFor(
      async () =>
        (await a.listInvocations({ taskId: "on_event", status: "SUCCESS", limit: 1000 })).length === 100,
      "100 events",
      60_000,
    );
    const eventRuns = await a.listInvocations({ taskId: "on_event", limit: 1000 });
    expect(eventRuns.map((run) => run.arguments.n).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 100 }, (_, n) => n),
    );
    await waitFor(
      async () => (await a.listInvocations({ taskId: "joined", status: "SUCCESS" })).length === 3,
      "three joins",
      30_000,
    );
    expect((await a.listInvocations({ taskId: "joined" })).map((run) => run.arguments.n).sort()).toEqual([
      1, 2, 3,
    ]);
    // Cron: one invocation per slot, no slot missing between the first and the last.
    await waitFor(
      () => [...ran.keys()].filter((key) => key.startsWith("cron:")).length > firstSlots + 3,
      "cron continues",
      30_000,
    );
    const cronRuns = await a.listInvocations({ taskId: "each_second", limit: 1000 });
    const slots = cronRuns.map((run) => Number(run.arguments.slot)).sort((x, y) => x - y);
    expect(new Set(slots).size).toBe(slots.length);
    for (let i = 1; i < slots.length; i++) expect((slots[i] as number) - (slots[i - 1] as number)).toBe(1000);
  });

  it("kill -9 of a worker mid-task: the work is redelivered and completes once", async () => {
    const replica = await startReplica(inject("redisUrl"), uniquePrefix(), FAST_FAILOVER);
    cleanups.push(() => replica.kill());
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/worker-process.ts"], {
      env: { ...process.env, NENC_URL: replica.url, NENC_APP_ID: "crash" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    cleanups.push(async () => child.kill("SIGKILL"));
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
    await waitFor(() => lines.includes("READY"), "the worker process", 30_000);
    const client = app(replica.url, "crash-client");
    const invocation = await client.invoke<string>("hang", { id: "job-9" });
    await waitFor(() => lines.includes("STARTED job-9"), "the task to start");
    child.kill("SIGKILL");

    let runs = 0;
    const rescuer = app(replica.url, "crash");
    rescuer.task("hang", async ({ id }: { id: string }) => {
      runs++;
      return `rescued ${id}`;
    });
    await rescuer.startWorker();
    expect(await invocation.result({ timeoutMs: 30_000 })).toBe("rescued job-9");
    expect(runs).toBe(1);
    expect(await invocation.get()).toMatchObject({ status: "SUCCESS", attempt: 1, result: "rescued job-9" });
  });

  it("a Redis restart with AOF resumes without loss", async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanups.push(() => redis.stop());
    const server = await startNencServer({
      port: 0,
      logger: silentLogger,
      redisUrl: redis.url,
      redisPrefix: uniquePrefix(),
    });
    cleanups.push(() => server.stop());
    const ran = new Map<string, number>();
    const instance = app(server.url, "durable");
    declareLoadApp(instance, ran);
    await instance.startWorker({ concurrency: 4 });

    const before = await Promise.all(
      Array.from({ length: 20 }, (_, n) => instance.invoke<number>("work", { n })),
    );
    expect(await Promise.all(before.map((invocation) => invocation.result()))).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    await (await instance.invoke("step", { n: 42 })).result(); // partial AND state, waiting for "go"
    const eventId = await instance.trigger.emitEvent("load", { n: 1 });
    await waitFor(() => ran.get("event:1") === 1, "the event's trigger");

    await redis.kill();
    await redis.restart();

    await instance.trigger.emitEvent("go", { n: 42 });
    await waitFor(() => ran.get("joined:42") === 1, "the join to complete after the restart", 30_000);
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => instance.invoke<number>("work", { n: 20 + i })),
    );
    expect(await Promise.all(after.map((invocation) => invocation.result({ timeoutMs: 30_000 })))).toEqual(
      Array.from({ length: 20 }, (_, i) => 20 + i),
    );
    expect((await instance.listInvocations({ taskId: "work", limit: 1000 })).length).toBe(40);
    const stored = await instance.clients.events.getEvent({ id: eventId });
    expect(stored.event?.payload).toEqual({ n: 1 } as JsonObject);
    expect((await instance.listInvocations({ taskId: "on_event" })).length).toBe(1);
  });
});
