/** Store contract, log and deferred: the occurrence log and the deferred evaluations: hand-out, settling, handing back. */
import { describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/domain/evaluation.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import type { StatusWatch } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { createStore, STORE_KINDS } from "../support/stores.js";
import { waitFor } from "../support/wait.js";
import { connectWorker, never, newInvocation, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, log and deferred: %s", (kind) => {
  const store = useContractStore(kind);
  const connect = (workerId: string, sessionId?: string, until?: number) =>
    connectWorker(store(), workerId, sessionId, until);

  it("logs watched transitions once, with their data, and hands each occurrence out once", async () => {
    const watch: StatusWatch = {
      watches: (_task, status) => status === "SUCCESS" || status === "REGISTERED",
    };
    store().watchStatuses(watch);
    await store().work.createInvocation(newInvocation("o"));
    const w = await connect("w");
    const [assignment] = await store().work.claimWork(w, ["task"], 1, 1);
    await store().work.markStarted(assignment!.assignmentId, "w", 2);
    await store().work.finishAttempt(
      assignment!.assignmentId,
      w,
      { status: "SUCCESS", result: [1, "two"] },
      3,
    );
    const read = await store().log.readOccurrences("c1", 100, 50, never);
    expect(read.map((item) => item.occurrence)).toEqual([
      {
        kind: "status",
        id: "o@1",
        at: 1000,
        invocationId: "o",
        taskId: "task",
        status: "REGISTERED",
        arguments: { n: "o" },
        attempt: 1,
      },
      {
        kind: "status",
        id: "o@4",
        at: 3,
        invocationId: "o",
        taskId: "task",
        status: "SUCCESS",
        arguments: { n: "o" },
        attempt: 1,
        result: [1, "two"],
      },
    ]);
    expect(await store().log.readOccurrences("c2", 100, 20, never)).toEqual([]);
    await store().log.settleOccurrences([], read);
    expect((await store().stats()).occurrenceBacklog).toBe(0);
  });

  it("hands an occurrence back after a failed evaluation: out again after the redelivery delay, its delivery counted", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 400 });
    try {
      await reclaiming.log.appendOccurrences([{ kind: "event", id: "ev_r", at: 1, code: "e", payload: {} }]);
      const first = await reclaiming.log.readOccurrences("r1", 10, 50, never);
      expect(first.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 1]]);
      const handedBackAt = Date.now();
      await reclaiming.log.retryOccurrences(first);
      const again = async () => {
        const read = await reclaiming.log.readOccurrences("r2", 10, 20, never);
        return read.length > 0 && read;
      };
      const second = await waitFor(again, "the second delivery");
      expect(Date.now() - handedBackAt).toBeGreaterThanOrEqual(400);
      expect(second.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 2]]);
      await reclaiming.log.retryOccurrences(second);
      const third = await waitFor(again, "the third delivery");
      expect(third.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 3]]);
      await reclaiming.log.settleOccurrences([], third);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
    } finally {
      await reclaiming.close();
    }
  });

  it("hands a deferred evaluation back after a failed evaluation: out again after the redelivery delay", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 400 });
    try {
      const occurrence: Occurrence = { kind: "event", id: "ev_d", at: 1, code: "c", payload: {} };
      await reclaiming.deferred.deferEvaluation("app-a", "trg_1", occurrence);
      const first = await reclaiming.deferred.readDeferred(["app-a"], "r1", 10, 50, never);
      expect(first.map((item) => item.deliveries)).toEqual([1]);
      expect(await reclaiming.deferred.readDeferred(["app-a"], "r2", 10, 20, never)).toEqual([]);
      await reclaiming.deferred.retryDeferred(first);
      const second = await waitFor(async () => {
        const read = await reclaiming.deferred.readDeferred(["app-a"], "r2", 10, 20, never);
        return read.length > 0 && read;
      }, "the second delivery");
      expect(second.map((item) => [item.triggerId, item.occurrence, item.deliveries])).toEqual([
        ["trg_1", occurrence, 2],
      ]);
      await reclaiming.deferred.settleDeferred(second[0]!, []);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
    } finally {
      await reclaiming.close();
    }
  });

  it("an item stays with its replica until settled, however slow its evaluation: never handed out twice meanwhile", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 300 });
    try {
      const occurrence: Occurrence = { kind: "event", id: "ev_k", at: 1, code: "e", payload: {} };
      await reclaiming.log.appendOccurrences([occurrence]);
      await reclaiming.deferred.deferEvaluation("app-k", "trg_k", occurrence);
      const held = await reclaiming.log.readOccurrences("r1", 10, 50, never);
      const heldDeferred = await reclaiming.deferred.readDeferred(["app-k"], "r1", 10, 50, never);
      const since = Date.now();
      // More than three redelivery delays: r2 never gets them.
      while (Date.now() - since < 1000) {
        expect(await reclaiming.log.readOccurrences("r2", 10, 0, never)).toEqual([]);
        expect(await reclaiming.deferred.readDeferred(["app-k"], "r2", 10, 0, never)).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await reclaiming.log.settleOccurrences([], held);
      await reclaiming.deferred.settleDeferred(heldDeferred[0]!, []);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
      expect(await reclaiming.log.readOccurrences("r2", 10, 0, never)).toEqual([]);
    } finally {
      await reclaiming.close();
    }
  });

  it("settles evaluated occurrences in one step: records kept, occurrences acknowledged", async () => {
    await store().registry.createTrigger(trigger("trg_s"));
    await store().log.appendOccurrences(
      [1, 2, 3].map((n): Occurrence => ({ kind: "event", id: `ev${n}`, at: n, code: "e", payload: {} })),
    );
    const read = await store().log.readOccurrences("c1", 10, 50, never);
    expect(read).toHaveLength(3);
    const record = (occurrenceId: string, triggerId = "trg_s"): Evaluation => ({
      triggerId,
      at: 7,
      occurrenceId,
      outcome: "filtered_out",
      detail: "",
    });
    await store().log.settleOccurrences(
      [record("ev1"), record("ev2"), record("ev2", "trg_gone")],
      read.slice(0, 2),
    );
    expect((await store().history.listEvaluations("trg_s", 10)).map((e) => e.occurrenceId)).toEqual([
      "ev2",
      "ev1",
    ]);
    expect(await store().history.listEvaluations("trg_gone", 10)).toEqual([]);
    expect((await store().stats()).occurrenceBacklog).toBe(1);
    await store().log.settleOccurrences([], [read[2]!]);
    expect((await store().stats()).occurrenceBacklog).toBe(0);
  });

  it("defers evaluations per app and hands each out once", async () => {
    const occurrence: Occurrence = { kind: "event", id: "ev", at: 1, code: "c", payload: {} };
    await store().deferred.deferEvaluation("app-a", "trg_1", occurrence);
    await store().deferred.deferEvaluation("app-b", "trg_2", occurrence);
    expect(await store().deferred.readDeferred(["app-c"], "c1", 10, 20, never)).toEqual([]);
    const items = await store().deferred.readDeferred(["app-a"], "c1", 10, 50, never);
    expect(items.map((item) => [item.appId, item.triggerId, item.occurrence])).toEqual([
      ["app-a", "trg_1", occurrence],
    ]);
    await store().deferred.settleDeferred(items[0]!, []);
    expect(await store().deferred.readDeferred(["app-a"], "c2", 10, 20, never)).toEqual([]);
  });

  it("settles a deferred evaluation in one step: its records kept, the item acknowledged", async () => {
    await store().registry.createTrigger(trigger("trg_df"));
    const occurrence: Occurrence = { kind: "event", id: "ev_df", at: 1, code: "e", payload: {} };
    await store().deferred.deferEvaluation("app-a", "trg_df", occurrence);
    const [item] = await store().deferred.readDeferred(["app-a"], "c1", 10, 50, never);
    expect((await store().stats()).occurrenceBacklog).toBe(1);
    const record: Evaluation = {
      triggerId: "trg_df",
      at: 2,
      occurrenceId: "ev_df",
      outcome: "filtered_out",
      detail: "",
    };
    await store().deferred.settleDeferred(item!, [record]);
    expect(await store().history.listEvaluations("trg_df", 10)).toEqual([record]);
    expect((await store().stats()).occurrenceBacklog).toBe(0);
  });
});
