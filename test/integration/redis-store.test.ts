/**
 * Redis-only behaviour of the Redis store, checked against the raw keys: the
 * reclaim cursor, forgetting dead consumers, and script reloading after NOSCRIPT.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { NO_RETRY } from "../../src/domain/task.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { RedisStore, type RedisStoreOptions } from "../../src/store/redis/redis-store.js";
import type { StatusWatch } from "../../src/store/store.js";
import { events } from "../support/fixtures.js";
import { startRedisServer } from "../support/redis-server.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const never = new AbortController().signal;
const watchNone: StatusWatch = { watches: () => false };

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

describe.skipIf(!storeAvailable("redis"))("Redis store internals", () => {
  it("reclaims idle entries that sit behind more busy ones than one scan covers (the cursor goes on)", async () => {
    const { store, raw, key } = await connect({ reclaimAfterMs: 1000 });
    await store.appendOccurrences(events(60));
    const held = await store.readOccurrences("dead", 100, 20, never);
    expect(held).toHaveLength(60);
    await waitFor(
      async () =>
        ((await raw.xpending(key("occ"), "engine", "IDLE", 1000, "-", "+", 100)) as unknown[]).length === 60,
      "every entry idle",
    );
    // A live consumer takes the 55 oldest over: they are busy for the next second.
    const busy = held.slice(0, 55).map((item) => item.ref);
    await raw.xclaim(key("occ"), "engine", "live", 0, ...busy, "JUSTID");
    // One scan of XAUTOCLAIM with COUNT 5 covers 50 entries: all busy. The next goes on from there.
    const reclaimed = await waitFor(async () => {
      const read = await store.readOccurrences("rescuer", 5, 10, never);
      return read.length > 0 && read;
    }, "the idle entries");
    expect(reclaimed.map((item) => [item.occurrence.id, item.deliveries])).toEqual(
      [55, 56, 57, 58, 59].map((n) => [`ev${n}`, 2]),
    );
  });

  it("forgets consumers that hold nothing and idled past the threshold, on the log and the deferred streams", async () => {
    const { store, raw, key } = await connect({ reclaimAfterMs: 60_000 });
    await store.appendOccurrences(events(3));
    await store.deferEvaluation("app-a", "trg_1", events(1)[0]!);
    const done = await store.readOccurrences("dead", 1, 20, never);
    await store.ackOccurrences(done.map((item) => item.ref));
    await store.readOccurrences("holder", 1, 20, never);
    const deferred = await store.readDeferred(["app-a"], "dead", 10, 20, never);
    await store.settleDeferred(deferred[0]!, []);
    const consumers = async (stream: string) =>
      ((await raw.xinfo("CONSUMERS", stream, "engine")) as string[][]).map((fields) => ({
        name: fields[1],
        idle: Number(fields[5]),
      }));
    await waitFor(
      async () => (await consumers(key("occ"))).every((consumer) => consumer.idle >= 200),
      "the consumers to idle",
    );
    // Holds nothing either, but read a moment ago.
    const recent = await store.readOccurrences("fresh", 1, 20, never);
    await store.ackOccurrences(recent.map((item) => item.ref));
    expect(await store.forgetIdleConsumers(200)).toEqual(["dead"]);
    expect((await consumers(key("occ"))).map((consumer) => consumer.name).sort()).toEqual([
      "fresh",
      "holder",
    ]);
    expect(await consumers(key("defer:app-a"))).toEqual([]);
  });

  it("the maintenance sweep forgets a dead replica's consumer", async () => {
    const { store, raw, key } = await connect();
    await store.appendOccurrences(events(1));
    const done = await store.readOccurrences("dead-replica", 1, 20, never);
    await store.ackOccurrences(done.map((item) => item.ref));
    const names = async () =>
      ((await raw.xinfo("CONSUMERS", key("occ"), "engine")) as string[][]).map((fields) => fields[1]);
    expect(await names()).toEqual(["dead-replica"]);
    const orchestrator = await Orchestrator.start(store, { forgetConsumersAfterMs: 300, drainTimeoutMs: 0 });
    cleanups.push(() => orchestrator.stop());
    await waitFor(async () => !(await names()).includes("dead-replica"), "the dead consumer forgotten");
  });

  it("creates a consumer group again when it vanished (a Redis restarted without persistence)", async () => {
    const { store, raw, key } = await connect();
    await store.appendOccurrences(events(1));
    expect((await store.readOccurrences("c1", 10, 20, never)).map((item) => item.occurrence.id)).toEqual([
      "ev0",
    ]);
    await raw.del(key("occ"));
    await store.appendOccurrences(events(2).slice(1)); // the stream again, without its group
    await expect(store.readOccurrences("c1", 10, 20, never)).rejects.toThrow(/NOGROUP/);
    expect((await store.readOccurrences("c1", 10, 20, never)).map((item) => item.occurrence.id)).toEqual([
      "ev1",
    ]);
  });

  it("after SCRIPT FLUSH (NOSCRIPT) a store call reloads its script and succeeds", async () => {
    // A Redis of its own: flushing the shared one's scripts would touch other suites.
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const { store, raw } = await connect({ url: server.url });
    await store.registerApp({
      appId: "app",
      tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
      triggers: [],
    });
    const worker = { workerId: "w", sessionId: "w-s1" };
    await store.connectWorker(worker, [], 1e12, 0, watchNone);
    await raw.script("FLUSH");
    await raw.config("RESETSTAT");
    const invocation = { taskId: "task", appId: "app", arguments: {}, createdAt: 1 };
    const first = await store.createInvocation({ ...invocation, id: "i1" }, { watch: watchNone });
    const second = await store.createInvocation({ ...invocation, id: "i2" }, { watch: watchNone });
    expect([first.created, second.created]).toEqual([true, true]);
    expect((await store.claimWork(worker, ["task"], 5, 2, watchNone)).map((a) => a.invocationId)).toEqual([
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
