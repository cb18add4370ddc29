/**
 * Crashes with real processes on Redis (docs/design.md §2.2, §2.3): kill -9 of a
 * replica under load, of a worker mid-task, and of Redis itself (with AOF, work in
 * flight on two replicas). Exact counts: nothing lost, nothing fired or run twice.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { jsonToValue } from "@nenc/protocol";
import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import { startNencServer } from "nenc/server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/domain/logger.js";
import { startRedisServer } from "../support/redis-server.js";
import { type Replica, startReplica } from "../support/replicas.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

const FAST_FAILOVER = { NENC_LEASE_MS: "1500", NENC_HEARTBEAT_MS: "300", NENC_RECLAIM_AFTER_MS: "1500" };

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/** Waits until `taskId` has `count` successful runs (listed through `client`). */
async function successfulRuns(client: Nenc, taskId: string, count: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => (await client.listInvocations({ taskId, status: "SUCCESS", limit: 1000 })).length === count,
    `${count} successful runs of ${taskId}`,
    timeoutMs,
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * The app of the Redis restart test: plain work, slow tasks held by `gate`, an
 * event chain (event → on_event → after_event) and an AND join; `ran` counts runs.
 */
function declareDurableApp(
  instance: Nenc,
  ran: Map<string, number>,
  slowStarted: Set<number>,
  gate: Promise<void>,
) {
  const count = (key: string) => {
    ran.set(key, (ran.get(key) ?? 0) + 1);
  };
  instance.task("work", async ({ n }: { n: number }) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    count(`work:${n}`);
    return n;
  });
  instance.task("slow", async ({ n }: { n: number }) => {
    slowStarted.add(n);
    await gate;
    count(`slow:${n}`);
    return n;
  });
  const onEvent = instance.task(
    "on_event",
    async ({ n }: { n: number }) => {
      count(`event:${n}`);
      return n;
    },
    { triggers: new TriggerBuilder().onEvent("load").withArgsFromCel("{'n': payload.n}") },
  );
  instance.task("after_event", async ({ n }: { n: number }) => count(`chain:${n}`), {
    triggers: new TriggerBuilder().onSuccess(onEvent).withArgsFromCel("{'n': result}"),
  });
  const step = instance.task("step", async ({ n }: { n: number }) => n);
  instance.task("joined", async ({ n }: { n: number }) => count(`joined:${n}`), {
    triggers: new TriggerBuilder()
      .onSuccess(step)
      .onEvent("go")
      .correlateBy("n")
      .withArgsFromCel("{'n': contexts[1].payload.n}"),
  });
}

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

/** Payloads the held filter was called with (module level: not a captured value). */
const heldFilterCalls: number[] = [];
/** Resolved to let the held filter answer. */
let filterGate = deferred();

/** A filter that answers once filterGate resolves: its occurrences stay in evaluation until then. */
async function heldFilter(payload: JsonObject): Promise<boolean> {
  heldFilterCalls.push(Number(payload.n));
  await filterGate.promise;
  return true;
}

describe.skipIf(!storeAvailable("redis"))("crashes", () => {
  it("kill -9 of a replica: the occurrences it was evaluating are taken over at its missing heartbeat, with no redelivery delay", async () => {
    heldFilterCalls.length = 0;
    filterGate = deferred();
    const prefix = uniquePrefix();
    // A redelivery delay far longer than the test: only the missing heartbeat can free what the victim held.
    const env = { NENC_RECLAIM_AFTER_MS: "600000" };
    const victim = await startReplica(inject("redisUrl"), prefix, env);
    cleanups.push(() => victim.kill());
    const declare = (url: string) => {
      const instance = app(url, "failover");
      instance.task("on_load", async ({ n }: { n: number }) => n, {
        triggers: new TriggerBuilder()
          .onEvent("load", { payloadFilter: heldFilter })
          .withArgsFromCel("{'n': payload.n}"),
      });
      return instance;
    };
    const onVictim = declare(victim.url);
    await onVictim.startWorker({ concurrency: 4 });
    await Promise.all(Array.from({ length: 20 }, (_, n) => onVictim.trigger.emitEvent("load", { n })));
    // The victim holds all 20 occurrences, each waiting for its filter.
    await waitFor(() => heldFilterCalls.length === 20, "20 filter calls on the victim's worker");

    const survivor = await startReplica(inject("redisUrl"), prefix, env);
    cleanups.push(() => survivor.kill());
    const onSurvivor = declare(survivor.url);
    await onSurvivor.startWorker({ concurrency: 4 });
    await victim.kill();
    await onVictim.close();
    filterGate.resolve();

    await successfulRuns(onSurvivor, "on_load", 20, 30_000);
    const runs = await onSurvivor.listInvocations({ taskId: "on_load", limit: 100 });
    expect(runs.map((run) => Number(run.arguments.n)).sort((x, y) => x - y)).toEqual(range(0, 20));
    // Each occurrence evaluated once more, on the survivor: never twice.
    expect(heldFilterCalls).toHaveLength(40);
    expect([...heldFilterCalls.slice(20)].sort((x, y) => x - y)).toEqual(range(0, 20));
  });

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
    await successfulRuns(a, "on_event", 100, 60_000);
    const eventRuns = await a.listInvocations({ taskId: "on_event", limit: 1000 });
    expect(eventRuns.map((run) => run.arguments.n).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 100 }, (_, n) => n),
    );
    await successfulRuns(a, "joined", 3, 30_000);
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

  it("a Redis restart with AOF, with work in flight on two replicas, resumes without loss or repeat", async () => {
    // appendfsync always: every acknowledged write survives, so "no loss" is exact.
    const redis = await startRedisServer({ appendonly: true });
    cleanups.push(() => redis.stop());
    const prefix = uniquePrefix();
    const ran = new Map<string, number>();
    const slowStarted = new Set<number>();
    const gate = deferred();
    const apps: Nenc[] = [];
    for (let i = 0; i < 2; i++) {
      const server = await startNencServer({
        port: 0,
        logger: silentLogger,
        redisUrl: redis.url,
        redisPrefix: prefix,
        reclaimAfterMs: 1500,
      });
      cleanups.push(() => server.stop());
      const instance = app(server.url, "durable");
      declareDurableApp(instance, ran, slowStarted, gate.promise);
      await instance.startWorker({ concurrency: 4 });
      apps.push(instance);
    }
    const [a, b] = apps as [Nenc, Nenc];
    const on = (n: number) => apps[n % 2] as Nenc;
    const invokeWork = (n: number) => on(n).invoke<number>("work", { n }, { idempotencyKey: `work-${n}` });
    const emitLoad = (n: number) => on(n).trigger.emitEvent("load", { n }, { idempotencyKey: `load-${n}` });

    // Before: finished work, a finished event chain, a partial AND waiting for "go".
    const before = await Promise.all(Array.from({ length: 20 }, (_, n) => invokeWork(n)));
    expect(await Promise.all(before.map((invocation) => invocation.result()))).toEqual(range(0, 20));
    await (await a.invoke("step", { n: 42 })).result();
    const firstEventId = await emitLoad(1);
    await waitFor(() => ran.get("chain:1") === 1, "the first event's chain");

    // In flight at the crash: six running tasks (held by the gate), work queued and
    // running behind them, event chains just started.
    const slow = await Promise.all(
      range(0, 6).map((n) => on(n).invoke<number>("slow", { n }, { idempotencyKey: `slow-${n}` })),
    );
    await waitFor(() => slowStarted.size === 6, "six slow tasks running");
    const inFlight = await Promise.all(range(20, 50).map(invokeWork));
    await Promise.all(range(2, 12).map(emitLoad));
    await redis.kill();

    // During the outage client calls time out; each is retried afterwards with its
    // idempotency key (the timed-out call may still have taken effect).
    const deadline = { timeoutMs: 300 };
    const outageCalls: Array<() => Promise<unknown>> = [
      ...range(100, 110).map(
        (n) => () =>
          on(n).clients.invocations.invoke(
            { taskId: "work", arguments: jsonToValue({ n }), idempotencyKey: `work-${n}` },
            deadline,
          ),
      ),
      ...range(12, 17).map(
        (n) => () =>
          on(n).clients.events.emitEvent(
            { code: "load", payload: jsonToValue({ n }), idempotencyKey: `load-${n}` },
            deadline,
          ),
      ),
    ];
    const outcomes = await Promise.allSettled(outageCalls.map((call) => call()));
    const failed = outageCalls.filter((_, i) => outcomes[i]?.status === "rejected");
    expect(failed).toHaveLength(15); // nothing can be written while Redis is down
    await redis.restart();
    const outageWork = await Promise.all(range(100, 110).map(invokeWork));
    await Promise.all(range(12, 17).map(emitLoad));
    gate.resolve();

    await b.trigger.emitEvent("go", { n: 42 });
    const after = await Promise.all(range(50, 70).map(invokeWork));
    const all = [...before, ...inFlight, ...outageWork, ...after];
    const results = await Promise.all(all.map((invocation) => invocation.result({ timeoutMs: 30_000 })));
    expect(results).toEqual([...range(0, 50), ...range(100, 110), ...range(50, 70)]);
    expect(await Promise.all(slow.map((invocation) => invocation.result({ timeoutMs: 30_000 })))).toEqual(
      range(0, 6),
    );
    await waitFor(() => ran.get("joined:42") === 1, "the join to complete after the restart", 30_000);
    await successfulRuns(a, "after_event", 16, 30_000);

    // Exactly once: one invocation per idempotency key and per event, each run once.
    const workRuns = await a.listInvocations({ taskId: "work", limit: 1000 });
    expect(workRuns.map((run) => Number(run.arguments.n)).sort((x, y) => x - y)).toEqual([
      ...range(0, 70),
      ...range(100, 110),
    ]);
    expect(workRuns.every((run) => run.status === "SUCCESS" && run.attempt === 1)).toBe(true);
    for (const [task, count] of [
      ["slow", 6],
      ["on_event", 16],
      ["after_event", 16],
      ["joined", 1],
    ] as const) {
      const runs = await a.listInvocations({ taskId: task, limit: 1000 });
      expect(runs.map((run) => [run.status, run.attempt])).toEqual(Array(count).fill(["SUCCESS", 1]));
    }
    const eventRuns = await a.listInvocations({ taskId: "on_event", limit: 1000 });
    expect(eventRuns.map((run) => Number(run.arguments.n)).sort((x, y) => x - y)).toEqual(range(1, 17));
    expect([...ran.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect(ran.size).toBe(80 + 6 + 16 + 16 + 1);
    const stored = await a.clients.events.getEvent({ id: firstEventId });
    expect(stored.event?.payload).toEqual({ n: 1 } as JsonObject);
  });
});
