/**
 * Two orchestrators on one store keep their trigger and task registries in step
 * even when change notices are lost (docs/design.md §2.6: Redis pub/sub keeps nothing for a
 * subscriber that is reconnecting). Losses are injected by dropping notices on
 * their way to one orchestrator, and on Redis by killing its notice connection.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { NO_JOIN_OPTIONS, type TriggerDefinition } from "../../src/domain/trigger.js";
import { Orchestrator, type OrchestratorOptions } from "../../src/engine/orchestrator.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store, StoreNotice } from "../../src/store/store.js";
import { interceptCalls, overrideStore } from "../support/store-faults.js";
import { STORE_KINDS, type StoreKind, storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const definition = (code: string): TriggerDefinition => ({
  targetTaskId: "task",
  conditions: [{ kind: "event", code }],
  logic: "and",
  providers: [],
  join: NO_JOIN_OPTIONS,
  appId: "",
});
const isRegistryNotice = (notice: StoreNotice) => notice.type === "trigger" || notice.type === "app";

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Two handles on one store: the same memory store, or two connections to one Redis prefix. */
async function sharedStore(kind: StoreKind, clientName = "nenc"): Promise<[Store, Store]> {
  if (kind === "memory") {
    const store = new MemoryStore();
    return [store, store];
  }
  const prefix = uniquePrefix();
  const a = await RedisStore.connect({ url: inject("redisUrl"), prefix });
  const b = await RedisStore.connect({ url: inject("redisUrl"), prefix, clientName });
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return [a, b];
}

/** The store, except that the notices `lost` picks never reach its subscribers. */
function losingNotices(store: Store, lost: (notice: StoreNotice) => boolean): Store {
  return overrideStore(store, {
    subscribe: (listener: (notice: StoreNotice) => void) =>
      store.subscribe((notice) => {
        if (!lost(notice)) listener(notice);
      }),
  });
}

/** The store, counting its calls of the named methods. */
function counting(store: Store, calls: Map<string, number>): Store {
  return interceptCalls(store, (method, _args, call) => {
    if (calls.has(method)) calls.set(method, (calls.get(method) ?? 0) + 1);
    return call();
  });
}

async function start(store: Store, options: Partial<OrchestratorOptions> = {}): Promise<Orchestrator> {
  const orchestrator = await Orchestrator.start(store, { drainTimeoutMs: 0, ...options });
  cleanups.push(() => orchestrator.stop());
  return orchestrator;
}

describe.each(STORE_KINDS)("registry kept in step across orchestrators: %s", (kind) => {
  it("a replica that missed every registry notice picks up a created, paused and deleted trigger and a registered app within the sweep", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const [storeA, storeB] = await sharedStore(kind);
    const a = await start(storeA);
    const b = await start(losingNotices(storeB, isRegistryNotice), { sweepIntervalMs: 50 });
    await a.triggers.registerApp("app", [{ id: "task" }], []);
    const { trigger } = await a.triggers.create(definition("created"));
    const soon = 2_000; // 40 sweeps: a miss is noticed at the second one
    await waitFor(() => b.index.get(trigger.id), "B to index the new trigger", soon);
    expect(b.tasks.cached("task")).toMatchObject({ id: "task", appId: "app" });

    await a.triggers.setPaused(trigger.id, true);
    await waitFor(() => b.index.get(trigger.id)?.trigger.paused === true, "B to see it paused", soon);
    await a.triggers.setPaused(trigger.id, false);
    await waitFor(() => b.index.get(trigger.id)?.trigger.paused === false, "B to see it resumed", soon);
    await a.triggers.delete(trigger.id);
    await waitFor(() => b.index.get(trigger.id) === undefined, "B to drop it", soon);

    const { triggerIds } = await a.triggers.registerApp(
      "app",
      [{ id: "task" }, { id: "task2" }],
      [definition("declared")],
    );
    await waitFor(
      () => b.tasks.cached("task2") && b.index.get(triggerIds[0] as string),
      "B to see the new registration",
      soon,
    );
    expect(b.index.size).toBe(1);
  });

  it("a replica that hears every notice never reloads: the sweep's check is its one call", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const [storeA, storeB] = await sharedStore(kind);
    const a = await start(storeA);
    const calls = new Map([
      ["listTriggers", 0],
      ["registryVersion", 0],
      // The sweep's check-in, which answers the registry version too.
      ["announceReplica", 0],
    ]);
    const b = await start(counting(storeB, calls));
    await a.triggers.registerApp("app", [{ id: "task" }], []);
    const { trigger } = await a.triggers.create(definition("heard"));
    await waitFor(() => b.index.get(trigger.id), "B to index the trigger");
    await a.triggers.setPaused(trigger.id, true);
    await waitFor(() => b.index.get(trigger.id)?.trigger.paused === true, "B to see it paused");
    await a.triggers.delete(trigger.id);
    await waitFor(() => b.index.get(trigger.id) === undefined, "B to drop it");
    const checks = calls.get("announceReplica") as number;
    await waitFor(() => (calls.get("announceReplica") as number) >= checks + 3, "three more sweeps");
    expect(calls.get("listTriggers")).toBe(1); // at start-up only
    expect(calls.get("registryVersion")).toBe(1); // at start-up only: the sweeps get it with their check-in
  });
});

describe.skipIf(!storeAvailable("redis"))("registry and waiters after a notice connection is killed", () => {
  it("a replica reloads its registry and rechecks result waiters once its notice connection is back", async () => {
    const clientName = `replica-b-${randomBytes(4).toString("hex")}`;
    const [storeA, storeB] = await sharedStore("redis", clientName);
    const a = await start(storeA);
    // B loses the notices the disconnection would have lost, and its sweep is far away.
    const lost = (notice: StoreNotice) => isRegistryNotice(notice) || notice.type === "invocation";
    const b = await start(losingNotices(storeB, lost), { sweepIntervalMs: 600_000 });
    await a.triggers.registerApp("app", [{ id: "task" }], []);
    const { trigger } = await a.triggers.create(definition("while-away"));
    const { invocation } = await a.invocations.invoke("task", {});
    const waiting = b.invocations.awaitFinal(invocation.id, 30_000);
    await b.invocations.get(invocation.id); // after the waiter's first read: it waits for a notice now
    const worker = { workerId: "w", sessionId: "w-s1" };
    await storeA.work.connectWorker(worker, [], Date.now() + 60_000, Date.now());
    const [assignment] = await storeA.work.claimWork(worker, ["task"], 1, Date.now());
    await storeA.work.finishAttempt(
      assignment!.assignmentId,
      worker,
      { status: "SUCCESS", result: 1 },
      Date.now(),
    );

    const raw = new Redis(inject("redisUrl"));
    cleanups.push(() => raw.quit());
    const clients = (await raw.client("LIST")) as string;
    const id = clients.match(new RegExp(`^id=(\\d+) .* name=${clientName}:notices `, "m"))?.[1];
    expect(id).toBeDefined();
    await raw.client("KILL", "ID", id as string);

    await waitFor(() => b.index.get(trigger.id), "B to reload its triggers on reconnection", 5_000);
    expect(b.tasks.cached("task")).toMatchObject({ id: "task" });
    expect(await waiting).toMatchObject({ id: invocation.id, status: "SUCCESS", result: 1 });
  });
});
