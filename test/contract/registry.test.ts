/** Store contract, registry: apps, tasks, triggers, the registry version and the data set. */
import { describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/domain/evaluation.js";
import { NO_RETRY } from "../../src/domain/task.js";
import type { StoreNotice } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { STORE_KINDS } from "../support/stores.js";
import { waitFor } from "../support/wait.js";
import { newInvocation, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, registry: %s", (kind) => {
  const store = useContractStore(kind);

  it("data set: its identity is created once and kept; awaited apps end as each registers, or when the wait ends", async () => {
    const a = { replicaId: "replica:a", seenAt: 100_000, cronClaimedThrough: 0 };
    const identity = await store().registry.openDataSet([], 0);
    expect(identity).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store().registry.openDataSet([], 0)).toBe(identity);
    expect(await store().replicas.announceReplica(a, 0)).toMatchObject({
      dataSet: identity,
      awaitingApps: 0,
      activeInvocations: 0,
    });
    // The check-in also counts what a loss would take: unfinished invocations.
    await store().work.createInvocation(newInvocation("inv-ds"));
    expect((await store().replicas.announceReplica(a, 0)).activeInvocations).toBe(1);
    // After a loss: the apps asked to register again are awaited until each registers.
    expect(await store().registry.openDataSet(["shop", "mail"], 60_000)).toBe(identity);
    expect((await store().replicas.announceReplica(a, 0)).awaitingApps).toBe(2);
    await store().registry.registerApp({
      appId: "shop",
      tasks: [{ id: "t_shop", appId: "shop", retry: NO_RETRY }],
      triggers: [],
    });
    expect((await store().replicas.announceReplica(a, 0)).awaitingApps).toBe(1);
    await store().registry.registerApp({ appId: "mail", tasks: [], triggers: [] });
    expect((await store().replicas.announceReplica(a, 0)).awaitingApps).toBe(0);
    // An app that never registers is awaited no longer than asked.
    await store().registry.openDataSet(["gone"], 50);
    expect((await store().replicas.announceReplica(a, 0)).awaitingApps).toBe(1);
    await waitFor(
      async () => (await store().replicas.announceReplica(a, 0)).awaitingApps === 0,
      "the wait for an app to end",
      5_000,
    );
    expect(await store().registry.openDataSet([], 0)).toBe(identity);
  });

  it("registration replaces declared triggers and keeps runtime ones; pause; bounded history", async () => {
    const declared = trigger("trg_d1", { origin: "declared" });
    await store().registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [declared, trigger("trg_d2", { origin: "declared" })],
    });
    await store().registry.createTrigger(trigger("trg_rt"));
    expect((await store().registry.createTrigger(trigger("trg_rt", { createdAt: 99 }))).created).toBe(false);
    const { removedTriggerIds } = await store().registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [declared],
    });
    expect(removedTriggerIds).toEqual(["trg_d2"]);
    expect((await store().registry.listTriggers()).map((t) => t.id).sort()).toEqual(["trg_d1", "trg_rt"]);
    expect((await store().registry.setTriggerPaused("trg_rt", true))?.paused).toBe(true);
    expect((await store().registry.getTrigger("trg_rt"))?.paused).toBe(true);
    expect(await store().registry.setTriggerPaused("nope", true)).toBeUndefined();
    const evaluation = (n: number): Evaluation => ({
      triggerId: "trg_rt",
      at: n,
      occurrenceId: `o${n}`,
      outcome: "fired",
      detail: "",
    });
    await store().history.recordEvaluations([1, 2, 3, 4].map(evaluation));
    expect((await store().history.listEvaluations("trg_rt", 10)).map((e) => e.at)).toEqual([4, 3, 2]);
    expect(await store().registry.deleteTrigger("trg_rt")).toBe(true);
    expect(await store().registry.deleteTrigger("trg_rt")).toBe(false);
    await store().history.recordEvaluations([evaluation(5)]);
    expect(await store().history.listEvaluations("trg_rt", 10)).toEqual([]);
  });

  it("moves the registry version once per change of triggers or apps, and each notice carries its version", async () => {
    const notices: StoreNotice[] = [];
    const unsubscribe = store().subscribe((notice) => notices.push(notice));
    const start = await store().registry.registryVersion();
    expect(start).toBeGreaterThan(0); // beforeEach registered an app
    await store().registry.createTrigger(trigger("trg_v"));
    await store().registry.createTrigger(trigger("trg_v")); // exists: no change
    await store().registry.setTriggerPaused("trg_v", true);
    await store().registry.deleteTrigger("trg_v");
    await store().registry.deleteTrigger("trg_v"); // unknown: no change
    await store().registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [trigger("trg_dv", { origin: "declared" })],
    });
    await store().work.createInvocation(newInvocation("not-a-registry-change"));
    expect(await store().registry.registryVersion()).toBe(start + 5);
    // Notices of changes made before `start` may still arrive (pub/sub is asynchronous): not counted.
    const registry = () =>
      notices.filter(
        (notice) => (notice.type === "trigger" || notice.type === "app") && notice.version > start,
      );
    await waitFor(() => registry().length === 5, "five registry notices");
    const versions = registry().map((notice) => ("version" in notice ? notice.version : 0));
    expect(versions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5].map((n) => start + n));
    expect(registry().filter((notice) => notice.type === "trigger" && notice.triggerId === "trg_v")).toEqual(
      [1, 2, 3].map((n) => ({ type: "trigger", triggerId: "trg_v", version: start + n })),
    );
    unsubscribe();
  });
});
