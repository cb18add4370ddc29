/**
 * Redelivery of occurrences whose evaluation failed, and its cap (a poison
 * occurrence); occurrences whose evaluation is only slow are kept, not handed out
 * again: on every store, with a real orchestrator; failures and delays are
 * injected into the store steps that fire and settle.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/domain/evaluation.js";
import type { Logger } from "../../src/domain/logger.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { NO_RETRY } from "../../src/domain/task.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import type { Firing, LoggedOccurrence, Store } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { overrideRole } from "../support/store-faults.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

const POISON = "evt_poison";
const never = new AbortController().signal;
const poisonTrigger = trigger("trg_poison", { conditions: [{ kind: "event", code: "poison" }] });
const occurrence: Occurrence = { kind: "event", id: POISON, at: 1, code: "poison", payload: {} };

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The store, except that settling an evaluation of the poison occurrence fails (not giving up on it). */
function failingSettles(store: Store, attempts: { count: number }): Store {
  return overrideRole(store, "log", (log) => ({
    async settleOccurrences(evaluations: readonly Evaluation[], items: readonly LoggedOccurrence[]) {
      const poisoned = evaluations.some(
        (evaluation) => evaluation.occurrenceId === POISON && !evaluation.detail.startsWith("not evaluated"),
      );
      if (poisoned) {
        attempts.count++;
        throw new Error("injected: the store refused the records");
      }
      return log.settleOccurrences(evaluations, items);
    },
  }));
}

function capturingLogger(lines: Array<{ message: string; fields?: Record<string, unknown> }>): Logger {
  const push = (message: string, fields?: Record<string, unknown>) => {
    lines.push({ message, ...(fields ? { fields } : {}) });
  };
  return { debug() {}, info() {}, warn() {}, error: push };
}

/** The store, with `fire` held back by `hold` (resolving once it may answer) and counted per occurrence. */
function heldFires(store: Store, hold: (firing: Firing) => Promise<void>, fires: Map<string, number>): Store {
  return overrideRole(store, "work", (work) => ({
    async fire(...args: Parameters<Store["work"]["fire"]>) {
      const occurrenceId = args[0].firingKey.split("|")[1] as string;
      fires.set(occurrenceId, (fires.get(occurrenceId) ?? 0) + 1);
      const result = await work.fire(...args);
      await hold(args[0]);
      return result;
    },
  }));
}

/** The store, with every readOccurrences call's start and end times recorded. */
function timedReads(store: Store, reads: Array<{ startedAt: number; endedAt?: number }>): Store {
  return overrideRole(store, "log", (log) => ({
    async readOccurrences(...args: Parameters<Store["log"]["readOccurrences"]>) {
      const read: { startedAt: number; endedAt?: number } = { startedAt: Date.now() };
      reads.push(read);
      try {
        return await log.readOccurrences(...args);
      } finally {
        read.endedAt = Date.now();
      }
    },
  }));
}

async function prepare(kind: (typeof STORE_KINDS)[number], reclaimAfterMs = 100): Promise<Store> {
  const store = await createStore(kind, { reclaimAfterMs });
  cleanups.push(() => store.close());
  await store.registry.registerApp({
    appId: "app",
    tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
    triggers: [],
  });
  await store.registry.createTrigger(poisonTrigger);
  return store;
}

describe.each(STORE_KINDS)("occurrence redelivery and its cap: %s", (kind) => {
  it("an occurrence whose evaluation keeps failing is retried up to the cap, then recorded as errored and acknowledged", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const store = await prepare(kind);
    const attempts = { count: 0 };
    const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const orchestrator = await Orchestrator.start(failingSettles(store, attempts), {
      maxOccurrenceDeliveries: 3,
      logger: capturingLogger(errors),
      drainTimeoutMs: 0,
    });
    cleanups.push(() => orchestrator.stop());
    await store.log.appendOccurrences([occurrence]);

    const history = await waitFor(async () => {
      const records = await store.history.listEvaluations(poisonTrigger.id, 10);
      return records.length > 0 && records;
    }, "the give-up record");
    expect(attempts.count).toBe(3);
    expect(history).toEqual([
      expect.objectContaining({
        triggerId: poisonTrigger.id,
        occurrenceId: POISON,
        outcome: "errored",
        detail:
          "not evaluated: handed out 3 times and its evaluation kept failing (last: injected: the store refused the records); given up (maxOccurrenceDeliveries 3)",
      }),
    ]);
    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "the occurrence acknowledged");
    // Fired on the first delivery only; later ones were deduplicated by the firing key.
    expect((await store.work.listInvocations({ taskId: "task", limit: 10 })).items).toHaveLength(1);
    expect(errors.filter((line) => line.fields?.occurrenceId === POISON).map((line) => line.message)).toEqual(
      [
        "evaluating an occurrence failed; it will be handed out again",
        "evaluating an occurrence failed; it will be handed out again",
        "an occurrence kept failing; given up and acknowledged",
      ],
    );
  });

  it("an occurrence handed out more often than the cap (its readers crashed) is given up without evaluating it", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const store = await prepare(kind);
    await store.log.appendOccurrences([occurrence]);
    // Three replicas that took it and died before settling it (found dead: retired).
    for (let delivery = 1; delivery <= 3; delivery++) {
      const read = await waitFor(async () => {
        const items = await store.log.readOccurrences(`crashed-${delivery}`, 10, 20, never);
        return items.length > 0 && items;
      }, `delivery ${delivery}`);
      expect(read.map((item) => item.deliveries)).toEqual([delivery]);
      await store.replicas.retireReplica(`crashed-${delivery}`);
    }
    const orchestrator = await Orchestrator.start(store, { maxOccurrenceDeliveries: 3, drainTimeoutMs: 0 });
    cleanups.push(() => orchestrator.stop());

    const history = await waitFor(async () => {
      const records = await store.history.listEvaluations(poisonTrigger.id, 10);
      return records.length > 0 && records;
    }, "the give-up record");
    expect(history.map((record) => [record.outcome, record.detail])).toEqual([
      [
        "errored",
        "not evaluated: handed out 4 times and it was never settled; given up (maxOccurrenceDeliveries 3)",
      ],
    ]);
    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "the occurrence acknowledged");
    expect((await store.work.listInvocations({ taskId: "task", limit: 10 })).items).toEqual([]);
  });

  it("an evaluation slower than reclaimAfterMs is kept: evaluated and fired once, never given up", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const reclaimAfterMs = 200;
    const store = await prepare(kind, reclaimAfterMs);
    const fires = new Map<string, number>();
    const reads: Array<{ startedAt: number; endedAt?: number }> = [];
    const release = deferred();
    let heldSince = 0;
    const slowStore = heldFires(
      timedReads(store, reads),
      () => {
        heldSince = Date.now();
        return release.promise;
      },
      fires,
    );
    const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const orchestrator = await Orchestrator.start(slowStore, {
      maxOccurrenceDeliveries: 3,
      logger: capturingLogger(errors),
      drainTimeoutMs: 0,
    });
    cleanups.push(() => orchestrator.stop());
    // Runs first: a failed assertion must not leave the firing (and the stop) waiting.
    cleanups.push(async () => release.resolve());
    await store.log.appendOccurrences([occurrence]);
    await waitFor(() => heldSince > 0, "the firing to start");
    // Held for five reclaim delays, and until a read that began two delays in (so
    // its reclaim scan saw the occurrence idle that long, were it not kept) ended.
    await waitFor(
      () =>
        Date.now() - heldSince >= 5 * reclaimAfterMs &&
        reads.some((read) => read.startedAt >= heldSince + 2 * reclaimAfterMs && read.endedAt !== undefined),
      "five reclaim delays and a reclaiming read",
    );
    expect(fires.get(POISON)).toBe(1);
    release.resolve();
    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "the occurrence settled");
    expect(fires.get(POISON)).toBe(1);
    expect((await store.work.listInvocations({ taskId: "task", limit: 10 })).items).toHaveLength(1);
    expect(
      (await store.history.listEvaluations(poisonTrigger.id, 10)).map((record) => record.outcome),
    ).toEqual(["fired"]);
    expect(errors).toEqual([]);
  });

  it("when a batch of settles fails, its occurrences are settled one by one: only the refused one counts a failure", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const store = await prepare(kind);
    const healthyTrigger = trigger("trg_healthy", { conditions: [{ kind: "event", code: "ok" }] });
    await store.registry.createTrigger(healthyTrigger);
    const healthy: Occurrence[] = ["ok1", "ok2", "ok3"].map((id, n) => ({
      kind: "event",
      id,
      at: 2 + n,
      code: "ok",
      payload: {},
    }));
    // The four first firings answer together, so that their settles share one batch.
    const together = deferred();
    let arrived = 0;
    const fires = new Map<string, number>();
    const attempts = { count: 0 };
    const settles: string[][] = [];
    const recorded = overrideRole(failingSettles(store, attempts), "log", (log) => ({
      settleOccurrences(evaluations: readonly Evaluation[], items: readonly LoggedOccurrence[]) {
        settles.push([...new Set(evaluations.map((evaluation) => evaluation.occurrenceId))].sort());
        return log.settleOccurrences(evaluations, items);
      },
    }));
    const batched = heldFires(
      recorded,
      () => {
        if (++arrived === 4) together.resolve();
        return together.promise;
      },
      fires,
    );
    const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const orchestrator = await Orchestrator.start(batched, {
      maxOccurrenceDeliveries: 3,
      logger: capturingLogger(errors),
      drainTimeoutMs: 0,
    });
    cleanups.push(() => orchestrator.stop());
    await store.log.appendOccurrences([occurrence, ...healthy]);

    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "every occurrence settled");
    expect(settles[0]).toEqual([POISON, "ok1", "ok2", "ok3"]);
    expect(
      (await store.history.listEvaluations(healthyTrigger.id, 10)).map((record) => [
        record.occurrenceId,
        record.outcome,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ["ok1", "fired"],
        ["ok2", "fired"],
        ["ok3", "fired"],
      ]),
    );
    expect(await store.history.listEvaluations(healthyTrigger.id, 10)).toHaveLength(3);
    expect(["ok1", "ok2", "ok3"].map((id) => fires.get(id))).toEqual([1, 1, 1]);
    // The shared batch, then the poison alone on each of its three deliveries.
    expect(attempts.count).toBe(4);
    expect(errors.map((line) => [line.message, line.fields?.occurrenceId])).toEqual([
      ["evaluating an occurrence failed; it will be handed out again", POISON],
      ["evaluating an occurrence failed; it will be handed out again", POISON],
      ["an occurrence kept failing; given up and acknowledged", POISON],
    ]);
  });
});
