/**
 * Redis-only behaviour of the Redis store, checked against the raw keys: the
 * reclaim cursor, forgetting dead consumers, script reloading after NOSCRIPT,
 * script calls re-sent after a lost reply, and malformed stream entries.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import type { JoinState, JoinStep } from "../../src/domain/join.js";
import { NO_RETRY } from "../../src/domain/task.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import {
  type MalformedEntry,
  RedisStore,
  type RedisStoreOptions,
} from "../../src/store/redis/redis-store.js";
import type { LoggedOccurrence, StatusWatch, Store } from "../../src/store/store.js";
import { events, trigger } from "../support/fixtures.js";
import { startRedisServer } from "../support/redis-server.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

const never = new AbortController().signal;
const _watchNone: StatusWatch = { watches: () => false };

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function connect(options: Partial<RedisStoreOptions> = {}) {
  const prefix = uniquePrefix();
  const store = await RedisStore.connect({ url: inject("redisUrl"), prefix, ...options });
  const raw = new Redis(options.url ?? inject("redisUrl"));
  cleanups.push(
    () => store.close(),
    () => raw.quit(),
  );
  return { store, raw, key: (name: string) => `{${prefix}}:${name}` };
}

/** App "app" with task "task" registered, and worker "w" connected: ready for invocations. */
async function withAppAndWorker(store: RedisStore) {
  await store.registry.registerApp({
    appId: "app",
    tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
    triggers: [],
  });
  const worker = { workerId: "w", sessionId: "w-s1" };
  await store.work.connectWorker(worker, [], 1e12, 0);
  return worker;
}

/** Reads entries as a consumer whose process then crashed: nothing keeps them. Returns their ids. */
async function readAsCrashed(raw: Redis, stream: string, consumer: string, count: number): Promise<string[]> {
  const reply = (await raw.xreadgroup(
    "GROUP",
    "engine",
    consumer,
    "COUNT",
    count,
    "STREAMS",
    stream,
    ">",
  )) as Array<[string, Array<[string, string[]]>]> | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

describe.skipIf(!storeAvailable("redis"))("Redis store internals", () => {
  it("publishes final statuses only while some replica waits for one (the resultwaiters mark)", async () => {
    const { store, raw, key } = await connect();
    const worker = await withAppAndWorker(store);
    const listener = new Redis(inject("redisUrl"));
    cleanups.push(() => listener.quit());
    const heard: string[] = [];
    listener.on("message", (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(key("notices"));
    const runToSuccess = async (id: string) => {
      const created = { id, taskId: "task", appId: "app", arguments: {}, createdAt: 1 };
      await store.work.createInvocation(created, { assignTo: worker });
      const { applied } = await store.work.finishAttempt(
        `${id}/2/task`,
        worker,
        { status: "SUCCESS", result: 1 },
        2,
      );
      expect(applied).toBe(true);
    };
    await runToSuccess("unwaited");
    expect(await raw.exists(key("resultwaiters"))).toBe(0);
    await store.followFinalStatuses(true);
    expect(await raw.pttl(key("resultwaiters"))).toBeGreaterThan(20_000);
    await runToSuccess("waited");
    await waitFor(() => heard.includes("i|waited|SUCCESS"), "the notice of the waited result");
    // One connection's messages arrive in order: the first result's would have come first.
    expect(heard.filter((message) => message.startsWith("i|"))).toEqual(["i|waited|SUCCESS"]);
    await store.followFinalStatuses(false);
  });

  it("a trigger's evaluation list is trimmed to its cap once 16 over it; listings show the newest `cap` only", async () => {
    const { store, raw, key } = await connect({ retention: { evaluationsPerTrigger: 3 } });
    await store.registry.createTrigger(trigger("trg_cap"));
    const record = (at: number) => ({
      triggerId: "trg_cap",
      at,
      occurrenceId: `o${at}`,
      outcome: "skipped" as const,
      detail: "d",
    });
    const lengths: number[] = [];
    for (let at = 1; at <= 40; at++) {
      await store.history.recordEvaluations([record(at)]);
      lengths.push(await raw.llen(key("evals:trg_cap")));
    }
    expect(Math.max(...lengths)).toBe(3 + 16);
    expect(lengths.slice(0, 20)).toEqual([...Array.from({ length: 19 }, (_, i) => i + 1), 3]);
    expect((await store.history.listEvaluations("trg_cap", 100)).map((e) => e.at)).toEqual([40, 39, 38]);
  });

  it("reclaims idle entries that sit behind more busy ones than one scan covers (the cursor goes on)", async () => {
    const { store, raw, key } = await connect({ reclaimAfterMs: 1000 });
    await store.log.appendOccurrences(events(60));
    // Read by a process that crashed: nothing keeps them.
    const held = await readAsCrashed(raw, key("occ"), "dead", 100);
    expect(held).toHaveLength(60);
    await waitFor(
      async () =>
        ((await raw.xpending(key("occ"), "engine", "IDLE", 1000, "-", "+", 100)) as unknown[]).length === 60,
      "every entry idle",
    );
    // A live consumer takes the 55 oldest over: they are busy for the next second.
    const busy = held.slice(0, 55);
    await raw.xclaim(key("occ"), "engine", "live", 0, ...busy, "JUSTID");
    // One scan of XAUTOCLAIM with COUNT 5 covers 50 entries: all busy. The next goes on from there.
    const reclaimed = await waitFor(async () => {
      const read = await store.log.readOccurrences("rescuer", 5, 10, never);
      return read.length > 0 && read;
    }, "the idle entries");
    expect(reclaimed.map((item) => [item.occurrence.id, item.deliveries])).toEqual(
      [55, 56, 57, 58, 59].map((n) => [`ev${n}`, 2]),
    );
  });

  it("the occurrences a result or an event logs are handed straight to the listening replica: no read gets them", async () => {
    const { store, raw, key } = await connect();
    await store.registry.registerApp({
      appId: "app",
      tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
      triggers: [],
    });
    store.watchStatuses({ watches: (_task, status) => status === "SUCCESS" });
    const handed: LoggedOccurrence[] = [];
    const stop = store.log.onHandedOut("replica-a", (items) => handed.push(...items));
    const worker = { workerId: "w", sessionId: "w-s1" };
    await store.work.connectWorker(worker, [], 1e12, 0);
    const created = await store.work.createInvocation(
      { id: "i1", taskId: "task", appId: "app", arguments: {}, createdAt: 1 },
      { assignTo: worker },
    );
    await store.work.finishAttempt(
      created.assignment!.assignmentId,
      worker,
      { status: "SUCCESS", result: 7 },
      2,
      {
        startedAt: 2,
      },
    );
    await store.history.appendEvent({ id: "evt_1", code: "e", payload: {}, emittedAt: 3, invocationIds: [] });
    await waitFor(() => handed.length === 2, "the two occurrences handed over");
    expect(handed.map((item) => [item.occurrence.id, item.deliveries])).toEqual([
      ["i1@4", 1],
      ["evt_1", 1],
    ]);
    // Held by replica-a: another reader gets nothing.
    expect(await store.log.readOccurrences("replica-b", 10, 0, never)).toEqual([]);
    const pending = (await raw.xpending(key("occ"), "engine", "-", "+", 10)) as Array<[string, string]>;
    expect(pending.map(([, consumer]) => consumer)).toEqual(["replica-a", "replica-a"]);
    await store.log.settleOccurrences([], handed);
    expect((await store.stats()).occurrenceBacklog).toBe(0);
    // Without a listener, steps hand nothing out: readers get what is logged.
    stop();
    await store.history.appendEvent({ id: "evt_2", code: "e", payload: {}, emittedAt: 4, invocationIds: [] });
    const read = await store.log.readOccurrences("replica-b", 10, 50, never);
    expect(read.map((item) => item.occurrence.id)).toEqual(["evt_2"]);
    expect(handed).toHaveLength(2);
  });

  it("a retired replica's entries move to the released consumer, idle, and its consumer is deleted, on the log and the deferred streams", async () => {
    const { store, raw, key } = await connect();
    await store.log.appendOccurrences(events(3));
    await store.deferred.deferEvaluation("app-a", "trg_1", events(1)[0]!);
    await readAsCrashed(raw, key("occ"), "gone", 2);
    await store.deferred.readDeferred(["app-a"], "gone", 10, 20, never);
    const live = await store.log.readOccurrences("live", 1, 20, never);
    await store.replicas.retireReplica("gone");
    const consumers = async (stream: string) =>
      ((await raw.xinfo("CONSUMERS", stream, "engine")) as string[][]).map((fields) => [
        fields[1],
        fields[3],
      ]);
    expect(await consumers(key("occ"))).toEqual([
      ["live", 1],
      ["released", 2],
    ]);
    expect(await consumers(key("defer:app-a"))).toEqual([["released", 1]]);
    // Idle far past any redelivery delay: the next scan takes them.
    const idle = (await raw.xpending(
      key("occ"),
      "engine",
      "IDLE",
      86_400_000,
      "-",
      "+",
      10,
      "released",
    )) as unknown[];
    expect(idle).toHaveLength(2);
    await store.log.settleOccurrences([], live);
  });

  it("what a crashed process held is reclaimed after reclaimAfterMs; what a live one holds is kept", async () => {
    const { store } = await connect({ reclaimAfterMs: 300 });
    const prefix = (store.description.match(/prefix (\S+)\)/) ?? [])[1] as string;
    const crashing = await RedisStore.connect({ url: inject("redisUrl"), prefix, reclaimAfterMs: 300 });
    await store.log.appendOccurrences(events(2));
    const [crashed] = await crashing.log.readOccurrences("crashing", 1, 20, never);
    const [kept] = await store.log.readOccurrences("living", 1, 20, never);
    await crashing.close();
    const reclaimed = await waitFor(async () => {
      const read = await store.log.readOccurrences("rescuer", 10, 20, never);
      return read.length > 0 && read;
    }, "the crashed process's occurrence");
    expect(reclaimed.map((item) => [item.occurrence.id, item.deliveries])).toEqual([
      [crashed!.occurrence.id, 2],
    ]);
    // Several redelivery delays later the living reader's occurrence is still its own.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await store.log.readOccurrences("rescuer", 10, 20, never)).toEqual([]);
    await store.log.settleOccurrences([], [kept!, ...reclaimed]);
    expect((await store.stats()).occurrenceBacklog).toBe(0);
  });

  it("creates a consumer group again when it vanished (a Redis restarted without persistence)", async () => {
    const { store, raw, key } = await connect();
    await store.log.appendOccurrences(events(1));
    expect((await store.log.readOccurrences("c1", 10, 20, never)).map((item) => item.occurrence.id)).toEqual([
      "ev0",
    ]);
    await raw.del(key("occ"));
    await store.log.appendOccurrences(events(2).slice(1)); // the stream again, without its group
    await expect(store.log.readOccurrences("c1", 10, 20, never)).rejects.toThrow(/NOGROUP/);
    expect((await store.log.readOccurrences("c1", 10, 20, never)).map((item) => item.occurrence.id)).toEqual([
      "ev1",
    ]);
  });

  it("after SCRIPT FLUSH (NOSCRIPT) a store call reloads its script and succeeds", async () => {
    // A Redis of its own: flushing the shared one's scripts would touch other suites.
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const { store, raw } = await connect({ url: server.url });
    const worker = await withAppAndWorker(store);
    await raw.script("FLUSH");
    await raw.config("RESETSTAT");
    const invocation = { taskId: "task", appId: "app", arguments: {}, createdAt: 1 };
    const first = await store.work.createInvocation({ ...invocation, id: "i1" });
    const second = await store.work.createInvocation({ ...invocation, id: "i2" });
    expect([first.created, second.created]).toEqual([true, true]);
    expect((await store.work.claimWork(worker, ["task"], 5, 2)).map((a) => a.invocationId)).toEqual([
      "i1",
      "i2",
    ]);
    // Loaded again by the first call (EVAL after NOSCRIPT); the second ran by its SHA again.
    const stats = (await raw.info("commandstats")).split("\r\n");
    const calls = (command: string) =>
      Number(stats.find((line) => line.startsWith(`cmdstat_${command}:`))?.match(/calls=(\d+)/)?.[1] ?? 0);
    expect(calls("eval")).toBe(2); // createInvocation and claimWork, once each
    expect(calls("evalsha")).toBe(3);
  });
});

/**
 * Runs `call` with every script call sent to Redis twice with the same arguments,
 * the second reply returned: what happens when a connection drops after Redis ran a
 * script but before its reply arrived, and ioredis re-sends it on the new connection.
 */
async function resent<T>(call: () => Promise<T>): Promise<T> {
  const evalsha = Redis.prototype.evalsha;
  const spy = vi.spyOn(Redis.prototype, "evalsha").mockImplementation(async function (
    this: Redis,
    ...args: Parameters<typeof evalsha>
  ) {
    await evalsha.apply(this, args);
    return evalsha.apply(this, args);
  });
  try {
    return await call();
  } finally {
    spy.mockRestore();
  }
}

describe.skipIf(!storeAvailable("redis"))("Redis store: a script call re-sent after a lost reply", () => {
  const task = { id: "task", appId: "app", retry: NO_RETRY };
  const newInvocation = (id: string) => ({
    id,
    taskId: "task",
    appId: "app",
    arguments: { n: id },
    createdAt: 1,
  });

  async function prepare(options: Partial<RedisStoreOptions> = {}) {
    const connected = await connect(options);
    await connected.store.registry.registerApp({ appId: "app", tasks: [task], triggers: [] });
    const worker = { workerId: "w", sessionId: "w-s1" };
    await connected.store.work.connectWorker(worker, [], 1e12, 0);
    const { raw, key } = connected;
    const counts = async () => ({
      active: (await connected.store.stats()).activeInvocations,
      queued: await raw.xlen(key("q:task")),
      held: (await raw.smembers(key("worker:w"))).length,
    });
    return { ...connected, worker, counts };
  }

  it("a claim whose reply a dropped connection lost answers with the batch it claimed, and claims nothing more", async () => {
    const port = new URL(inject("redisUrl")).port;
    const proxy = await startTcpProxy(Number(port));
    cleanups.push(() => proxy.close());
    const { store, key, worker } = await prepare({ url: `redis://127.0.0.1:${new URL(proxy.url).port}` });
    const direct = new Redis(inject("redisUrl")); // beside the proxy
    cleanups.push(() => direct.quit());
    for (const id of ["a", "b", "c", "d"]) await store.work.createInvocation(newInvocation(id));

    proxy.droppingReplies = true;
    const claim = store.work.claimWork(worker, ["task"], 2, 5);
    await waitFor(async () => (await direct.hget(key("inv:b"), "status")) === "PENDING", "the claim to run");
    proxy.cutClients();
    proxy.droppingReplies = false;

    expect((await claim).map((assignment) => assignment.invocationId)).toEqual(["a", "b"]);
    const statuses = await Promise.all(
      ["a", "b", "c", "d"].map((id) => direct.hget(key(`inv:${id}`), "status")),
    );
    expect(statuses).toEqual(["PENDING", "PENDING", "REGISTERED", "REGISTERED"]);
    expect(await direct.xlen(key("q:task"))).toBe(2);
    expect(await direct.scard(key("worker:w"))).toBe(2);
  });

  it("creations of one turn are one script call; an idempotency key repeated in it creates once", async () => {
    const { store, worker, counts } = await prepare();
    const before = (await store.stats()).requests as number;
    const created = await Promise.all([
      store.work.createInvocation(newInvocation("c1"), { assignTo: worker }),
      store.work.createInvocation(newInvocation("c2"), { idempotencyKey: "same" }),
      store.work.createInvocation(newInvocation("c3"), { idempotencyKey: "same" }),
      store.work.createInvocation(newInvocation("c4")),
    ]);
    expect(
      created.map((c) => [c.created, c.invocation.id, c.invocation.status, c.assignment?.assignmentId ?? ""]),
    ).toEqual([
      [true, "c1", "PENDING", "c1/2/task"],
      [true, "c2", "REGISTERED", ""],
      [false, "c2", "REGISTERED", ""],
      [true, "c4", "REGISTERED", ""],
    ]);
    // One script call, the read of the deduplicated answer, then stats' own four.
    expect(((await store.stats()).requests as number) - before).toBe(1 + 1 + 4);
    expect(await counts()).toEqual({ active: 3, queued: 2, held: 1 });
  });

  it("results of one turn end in one script call; re-run, it answers each as the first run did", async () => {
    const { store, raw, key, worker, counts } = await prepare();
    for (const id of ["a", "b", "c"])
      await store.work.createInvocation(newInvocation(id), { assignTo: worker });
    await store.work.createInvocation(newInvocation("q")); // queued: the refill takes it
    const before = (await store.stats()).requests as number;
    const results = await resent(() =>
      Promise.all([
        store.work.finishAttempt("a/2/task", worker, { status: "SUCCESS", result: "A" }, 10, {
          refill: { taskIds: ["task"], max: 1 },
        }),
        store.work.finishAttempt("b/2/task", worker, { status: "SUCCESS", result: "B" }, 10),
        store.work.finishAttempt("stale/2/task", worker, { status: "SUCCESS", result: 0 }, 10),
      ]),
    );
    expect(results.map((r) => [r.applied, r.claimed.map((assignment) => assignment.invocationId)])).toEqual([
      [true, ["q"]],
      [true, []],
      [false, []],
    ]);
    // One script call for the three (re-sent once here: two requests), then stats' own.
    expect(((await store.stats()).requests as number) - before).toBe(2 + 4);
    expect(await raw.hmget(key("inv:a"), "status", "result")).toEqual(["SUCCESS", '"A"']);
    expect(await raw.hmget(key("inv:b"), "status", "result")).toEqual(["SUCCESS", '"B"']);
    expect(await raw.zcard(key("finished"))).toBe(2);
    expect(await counts()).toEqual({ active: 2, queued: 0, held: 2 });
  });

  it("claimWork and finishAttempt's refill claim once; the reply lists that batch", async () => {
    const { store, raw, key, worker, counts } = await prepare();
    // Those of registerApp and connectWorker (rare calls that include "once").
    const setupKeys = (await raw.keys(key("req:*"))).sort();
    expect(setupKeys).toHaveLength(2);
    for (const id of ["a", "b", "c", "d", "e"]) await store.work.createInvocation(newInvocation(id));
    const claimed = await resent(() => store.work.claimWork(worker, ["task"], 2, 5));
    expect(claimed.map((assignment) => [assignment.invocationId, assignment.arguments])).toEqual([
      ["a", { n: "a" }],
      ["b", { n: "b" }],
    ]);
    expect(await counts()).toEqual({ active: 5, queued: 3, held: 2 });

    const finished = await resent(() =>
      store.work.finishAttempt(claimed[0]!.assignmentId, worker, { status: "SUCCESS", result: 1 }, 6, {
        refill: { taskIds: ["task"], max: 1 },
      }),
    );
    expect([finished.applied, finished.claimed.map((assignment) => assignment.invocationId)]).toEqual([
      true,
      ["c"],
    ]);
    expect(await counts()).toEqual({ active: 4, queued: 2, held: 2 });
    expect(await raw.zrange(key("finished"), "0", "-1")).toEqual(["a|task||"]);
    // Nothing else is PENDING: every claimed invocation is one the worker was told of.
    const statuses = await Promise.all(
      ["b", "c", "d", "e"].map((id) => raw.hget(key(`inv:${id}`), "status")),
    );
    expect(statuses).toEqual(["PENDING", "PENDING", "REGISTERED", "REGISTERED"]);
    // A claim that found nothing leaves no trace: its re-run claims afresh.
    expect(await resent(() => store.work.claimWork(worker, ["none"], 2, 7))).toEqual([]);
    // Claims and results keep no key per call: they mark the invocations they change.
    expect((await raw.keys(key("req:*"))).sort()).toEqual(setupKeys);
  });

  it("a stale result's refill claims once; a result without refill answers applied again", async () => {
    const { store, raw, key, worker, counts } = await prepare();
    for (const id of ["a", "b", "c"]) await store.work.createInvocation(newInvocation(id));
    const [first] = await store.work.claimWork(worker, ["task"], 1, 5);
    const done = await resent(() =>
      store.work.finishAttempt(first!.assignmentId, worker, { status: "SUCCESS", result: 1 }, 6),
    );
    expect(done).toEqual({ applied: true, claimed: [] });
    expect(await counts()).toEqual({ active: 2, queued: 2, held: 0 });
    // The same assignment again: stale, but its refill claims, once.
    const stale = await resent(() =>
      store.work.finishAttempt(first!.assignmentId, worker, { status: "SUCCESS", result: 2 }, 7, {
        refill: { taskIds: ["task"], max: 1 },
      }),
    );
    expect([stale.applied, stale.claimed.map((assignment) => assignment.invocationId)]).toEqual([
      false,
      ["b"],
    ]);
    expect(await counts()).toEqual({ active: 2, queued: 1, held: 1 });
    expect(await raw.hget(key("inv:a"), "result")).toBe("1");
  });

  it("a steady run of jobs through claims and results adds no req:* key", async () => {
    const { store, raw, key, worker, counts } = await prepare();
    const setupKeys = (await raw.keys(key("req:*"))).sort(); // registerApp's and connectWorker's
    const jobs = 200;
    for (let n = 0; n < jobs; n++) await store.work.createInvocation(newInvocation(`j${n}`));
    let held = await store.work.claimWork(worker, ["task"], 4, 10);
    let finished = 0;
    while (held.length > 0) {
      const [assignment, ...rest] = held;
      const { applied, claimed } = await store.work.finishAttempt(
        assignment!.assignmentId,
        worker,
        { status: "SUCCESS", result: finished },
        11 + finished,
        { refill: { taskIds: ["task"], max: 1 } },
      );
      expect(applied).toBe(true);
      finished++;
      held = [...rest, ...claimed];
    }
    expect(finished).toBe(jobs);
    expect(await counts()).toEqual({ active: 0, queued: 0, held: 0 });
    expect((await raw.keys(key("req:*"))).sort()).toEqual(setupKeys);
  });

  it("createInvocation and fire create once and answer as the first run did", async () => {
    const { store, raw, key, worker, counts } = await prepare();
    const plain = await resent(() => store.work.createInvocation(newInvocation("i1")));
    const keyed = await resent(() =>
      store.work.createInvocation(newInvocation("i2"), { idempotencyKey: "k" }),
    );
    expect([plain.created, keyed.created]).toEqual([true, true]);
    expect(await counts()).toEqual({ active: 2, queued: 2, held: 0 });
    // Listed once each; the re-run of i1's call drew a sequence number it did not use (a harmless gap).
    expect(await raw.zrange(key("invs"), "0", "-1", "WITHSCORES")).toEqual(["i1", "1", "i2", "3"]);

    const assigned = await resent(() =>
      store.work.createInvocation(newInvocation("i3"), { assignTo: worker }),
    );
    expect(assigned.assignment?.assignmentId).toBe("i3/2/task");
    await store.registry.createTrigger(trigger("trg_1"));
    const fired = await resent(() =>
      store.work.fire(
        { triggerId: "trg_1", invocation: newInvocation("i4"), firingKey: "trg_1|ev0", eventIds: [] },
        worker,
      ),
    );
    expect(fired).toMatchObject({ outcome: "fired", assignment: { assignmentId: "i4/2/task" } });
    expect(await counts()).toEqual({ active: 4, queued: 2, held: 2 });
    expect(await raw.hmget(key("inv:i4"), "status", "version")).toEqual(["PENDING", "2"]);
    // Four invocations; the re-runs of the three creation calls drew the number each reserved
    // (reserveSeq), the re-run of fire's the one it drew before finding its invocation.
    expect(await raw.get(key("seq"))).toBe("7");
  });

  it("appendEvent, deferEvaluation and settleOccurrences log and record once", async () => {
    const { store, raw, key } = await prepare();
    const event = { id: "evt_1", code: "e", payload: { x: 1 }, emittedAt: 10, invocationIds: [] };
    expect((await resent(() => store.history.appendEvent(event))).duplicate).toBe(false);
    const keyed = await resent(() =>
      store.history.appendEvent({ ...event, id: "evt_2", idempotencyKey: "k" }),
    );
    expect(keyed.duplicate).toBe(false);
    expect(await raw.xlen(key("occ"))).toBe(2);
    expect(await raw.zcard(key("evts"))).toBe(2);

    await resent(() => store.deferred.deferEvaluation("app", "trg_1", events(1)[0]!));
    expect(await raw.xlen(key("defer:app"))).toBe(1);

    await store.registry.createTrigger(trigger("trg_1"));
    const read = await store.log.readOccurrences("c1", 10, 20, never);
    const evaluation = {
      triggerId: "trg_1",
      at: 11,
      occurrenceId: "evt_1",
      outcome: "fired" as const,
      detail: "d",
    };
    await resent(() => store.log.settleOccurrences([evaluation], read));
    expect(await store.history.listEvaluations("trg_1", 10)).toEqual([evaluation]);
    expect(await raw.xlen(key("occ"))).toBe(0);
  });

  it("markStarted, connectWorker, advanceCron and fireCron answer their first reply again", async () => {
    const { store, raw, key, worker } = await prepare();
    for (const id of ["a", "b"]) await store.work.createInvocation(newInvocation(id));
    const [a, b] = await store.work.claimWork(worker, ["task"], 2, 5);
    expect(await resent(() => store.work.markStarted(a!.assignmentId, "w", 6))).toBe(true);
    expect(await raw.hmget(key("inv:a"), "status", "version")).toEqual(["RUNNING", "3"]);

    // The worker's new stream still runs a: b goes back to the queue.
    const requeued = await resent(() =>
      store.work.connectWorker({ workerId: "w", sessionId: "w-s2" }, [a!.assignmentId], 1e12, 7),
    );
    expect(requeued.map((invocation) => invocation.id)).toEqual(["b"]);
    expect(await raw.hmget(key(`inv:b`), "status", "version")).toEqual(["REGISTERED", "3"]);
    expect(b!.invocationId).toBe("b");

    await store.registry.createTrigger(trigger("trg_cron"));
    const occurrence = {
      kind: "cron" as const,
      id: "cron:trg_cron:0:60000",
      at: 60000,
      triggerId: "trg_cron",
      conditionIndex: 0,
      scheduledTime: 60000,
    };
    const logged = await raw.xlen(key("occ")); // b's release logged its status
    const won = await resent(() =>
      store.triggerState.advanceCron([
        {
          triggerId: "trg_cron",
          conditionIndex: 0,
          expected: undefined,
          next: 60000,
          occurrences: [occurrence],
        },
      ]),
    );
    expect(won).toEqual([true]);
    expect(await raw.xlen(key("occ"))).toBe(logged + 1);

    // A claim that fires: the re-sent call answers "fired" and created one invocation.
    const fired = await resent(() =>
      store.triggerState.fireCron([
        {
          triggerId: "trg_cron",
          conditionIndex: 0,
          expected: 60000,
          next: 120000,
          firings: [
            {
              firing: {
                triggerId: "trg_cron",
                invocation: { ...newInvocation("c"), createdAt: 120001 },
                firingKey: "trg_cron|cron:trg_cron:0:120000",
                eventIds: [],
              },
              record: {
                triggerId: "trg_cron",
                at: 120001,
                occurrenceId: "cron:trg_cron:0:120000",
                outcome: "fired",
                invocationId: "c",
                detail: "invoked task",
              },
            },
          ],
        },
      ]),
    );
    expect(fired).toEqual([{ outcome: "fired", assigned: [] }]);
    expect(await raw.zcard(key("invs"))).toBe(3);
    expect((await store.history.listEvaluations("trg_cron", 10)).map((e) => e.invocationId)).toEqual(["c"]);
  });

  it("app and trigger changes apply once and answer as the first run did", async () => {
    const { store, raw, key } = await prepare();
    const declared = trigger("trg_declared", { origin: "declared" });
    await store.registry.registerApp({ appId: "app", tasks: [task], triggers: [declared] });
    const version = Number(await raw.get(key("registry")));
    const registered = await resent(() =>
      store.registry.registerApp({ appId: "app", tasks: [task], triggers: [] }),
    );
    expect(registered.removedTriggerIds).toEqual(["trg_declared"]);

    const created = await resent(() => store.registry.createTrigger(trigger("trg_1")));
    expect(created.created).toBe(true);
    expect((await resent(() => store.registry.setTriggerPaused("trg_1", true)))?.paused).toBe(true);
    expect(await resent(() => store.registry.deleteTrigger("trg_1"))).toBe(true);
    // One version step each: the removed trigger, the app, and create, pause, delete.
    expect(Number(await raw.get(key("registry")))).toBe(version + 5);
  });
});

describe.skipIf(!storeAvailable("redis"))("Redis store: stream entries that cannot be decoded", () => {
  async function connectReporting() {
    const malformed: MalformedEntry[] = [];
    const connected = await connect({ onMalformedEntry: (entry) => malformed.push(entry) });
    return { ...connected, malformed };
  }

  it("drops a malformed entry of the occurrence log, reports it once, and evaluates the entries around it", async () => {
    const { store, raw, key, malformed } = await connectReporting();
    await store.registry.registerApp({
      appId: "app",
      tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
      triggers: [],
    });
    await store.registry.createTrigger(trigger("trg_e"));
    const [first, second] = events(2);
    await store.log.appendOccurrences([first!]);
    const broken = await raw.xadd(key("occ"), "*", "j", "{not json");
    const foreign = await raw.xadd(key("occ"), "*", "hello", "world");
    await store.log.appendOccurrences([second!]);

    const orchestrator = await Orchestrator.start(store, { drainTimeoutMs: 0 });
    cleanups.push(() => orchestrator.stop());
    const fired = await waitFor(async () => {
      const { items } = await store.work.listInvocations({ triggerId: "trg_e", limit: 10 });
      return items.length === 2 && items;
    }, "a firing for each event");
    expect(fired.map((invocation) => invocation.provenance?.occurrenceIds).sort()).toEqual([
      ["ev0"],
      ["ev1"],
    ]);
    await waitFor(
      async () => (await store.stats()).occurrenceBacklog === 0,
      "every entry settled or dropped",
    );
    expect(malformed).toEqual([
      {
        stream: key("occ"),
        id: broken,
        content: '["j","{not json"]',
        error: expect.stringMatching(/JSON/),
      },
      {
        stream: key("occ"),
        id: foreign,
        content: '["hello","world"]',
        error: 'id is "", not a non-empty string',
      },
    ]);
    expect(await raw.xpending(key("occ"), "engine")).toEqual([0, null, null, null]);
  });

  it("drops a malformed entry of a deferred stream and returns the rest of the batch", async () => {
    const { store, raw, key, malformed } = await connectReporting();
    await store.deferred.deferEvaluation("app", "trg_1", events(1)[0]!);
    const broken = await raw.xadd(key("defer:app"), "*", "trg", "trg_1", "j", '{"kind":"event"}');
    const read = await store.deferred.readDeferred(["app"], "c1", 10, 20, never);
    expect(read.map((item) => [item.triggerId, item.occurrence.id, item.deliveries])).toEqual([
      ["trg_1", "ev0", 1],
    ]);
    expect(malformed).toEqual([
      {
        stream: key("defer:app"),
        id: broken,
        content: '["trg","trg_1","j","{\\"kind\\":\\"event\\"}"]',
        error: "id is missing, not a non-empty string",
      },
    ]);
    // The good entry stays, held by c1 until it is settled; the broken one is gone.
    expect(await raw.xlen(key("defer:app"))).toBe(1);
    expect((await raw.xpending(key("defer:app"), "engine"))[0]).toBe(1);
  });
});

describe.skipIf(!storeAvailable("redis"))("Redis store: requests and stored formats", () => {
  it("counts the requests it sends, one per command however pipelined", async () => {
    const { store } = await connect();
    const requests = async () => (await store.stats()).requests as number;
    const first = await requests();
    const statsCost = (await requests()) - first;
    const before = await requests();
    // Three lookups and a script call issued together: pipelined, still four requests.
    await Promise.all([
      store.work.getInvocation("a"),
      store.work.getInvocation("b"),
      store.work.getInvocation("c"),
      store.work.createInvocation({ id: "d", taskId: "task", appId: "app", arguments: {}, createdAt: 1000 }),
    ]);
    expect(await requests()).toBe(before + 4 + statsCost);
  });

  it("joins: reads partitions and markers written in the format before entry lines", async () => {
    const { store, raw, key } = await connect();
    const entry = (name: string) => ({ group: 0, key: name, firstAt: 5, satisfied: {} });
    const addEntry =
      (name: string, firstAt: number): ((state: JoinState) => JoinStep) =>
      (state) => ({
        state: { entries: [...state.entries, { group: 0, key: name, firstAt, satisfied: {} }] },
        outcome: { kind: "waiting", missing: [1] },
        expired: [],
      });
    await store.registry.createTrigger(trigger("trg_old"));
    await raw.hset(key("join:trg_old"), "p", `3|${JSON.stringify({ entries: [entry("a")] })}`);
    await raw.set(
      key("jmark:trg_old|occ-old"),
      JSON.stringify({
        state: { entries: [] },
        outcome: { kind: "waiting", missing: [1] },
        expired: [entry("b")],
      }),
    );
    expect(await store.triggerState.updateJoin("trg_old", "p", "occ-old", addEntry("never", 1), 10)).toEqual({
      kind: "replayed",
      outcome: { kind: "waiting", missing: [1] },
      expired: [{ key: "b", occurrenceIds: [], reason: "window" }],
    });
    await store.triggerState.updateJoin("trg_old", "p", "occ-new", addEntry("c", 6), 10);
    expect((await store.triggerState.listJoinStates("trg_old"))[0]?.state.entries.map((e) => e.key)).toEqual([
      "a",
      "c",
    ]);
    await store.registry.deleteTrigger("trg_old");
    expect(await raw.keys(key("join*"))).toEqual([]);
  });
  it("page tokens are each store's own: a memory store's and a Redis store's refuse each other's", async () => {
    const { store: redis } = await connect();
    const memory = new MemoryStore();
    cleanups.push(() => memory.close());
    const tokens = async (store: Store) => {
      for (const id of ["t0", "t1"]) {
        await store.work.createInvocation({
          id,
          taskId: "task",
          appId: "app",
          arguments: {},
          createdAt: 1000,
        });
        await store.history.appendEvent({
          id: `e${id}`,
          code: "c",
          payload: {},
          emittedAt: 4000,
          invocationIds: [],
        });
      }
      return {
        invocations: (await store.work.listInvocations({ limit: 1 })).nextPageToken as string,
        events: (await store.history.listEvents({ limit: 1 })).nextPageToken as string,
      };
    };
    const fromRedis = await tokens(redis);
    const fromMemory = await tokens(memory);
    const refused = { code: "INVALID_ARGUMENT", field: "pageToken" };
    await expect(
      redis.work.listInvocations({ limit: 1, pageToken: fromMemory.invocations }),
    ).rejects.toMatchObject(refused);
    await expect(redis.history.listEvents({ limit: 1, pageToken: fromMemory.events })).rejects.toMatchObject(
      refused,
    );
    await expect(
      memory.work.listInvocations({ limit: 1, pageToken: fromRedis.invocations }),
    ).rejects.toMatchObject(refused);
    await expect(memory.history.listEvents({ limit: 1, pageToken: fromRedis.events })).rejects.toMatchObject(
      refused,
    );
  });
});
