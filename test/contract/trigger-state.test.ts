/** Store contract, triggerState: AND join state and cron slots. */
import { describe, expect, it } from "vitest";
import type { JoinState, JoinStep } from "../../src/domain/join.js";
import type { CronOccurrence } from "../../src/domain/occurrence.js";
import type { CronCondition } from "../../src/domain/trigger.js";
import type { CronFiringClaim, WorkerRef } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { STORE_KINDS } from "../support/stores.js";
import { connectWorker, drainOccurrences, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, triggerState: %s", (kind) => {
  const store = useContractStore(kind);

  /** A join step that adds one waiting entry (source `key`, first seen at `firstAt`). */
  const addEntry =
    (key: string, firstAt: number): ((state: JoinState) => JoinStep) =>
    (state) => ({
      state: { entries: [...state.entries, { group: 0, key, firstAt, satisfied: {} }] },
      outcome: { kind: "waiting", missing: [1] },
      expired: [{ key: "gone", occurrenceIds: ["x"], reason: "window" }],
    });

  const entriesOf = async (triggerId: string) =>
    (await store().triggerState.listJoinStates(triggerId))
      .map((s) => `${s.partition}:${s.state.entries.map((entry) => entry.key).join(",")}`)
      .sort();

  it("joins: applies each occurrence once; the marker keeps the outcome, not the state", async () => {
    await store().registry.createTrigger(trigger("trg_j"));
    const first = await store().triggerState.updateJoin("trg_j", "p1", "occ1", addEntry("k1", 1), 100);
    expect(first).toEqual({
      kind: "applied",
      outcome: { kind: "waiting", missing: [1] },
      expired: [{ key: "gone", occurrenceIds: ["x"], reason: "window" }],
    });
    const replay = await store().triggerState.updateJoin(
      "trg_j",
      "p1",
      "occ1",
      () => {
        throw new Error("must not run twice");
      },
      100,
    );
    expect(replay).toEqual({ ...first, kind: "replayed" });
    await store().triggerState.updateJoin("trg_j", "p1", "occ2", addEntry("k2", 2), 100);
    expect(await entriesOf("trg_j")).toEqual(["p1:k1,k2"]);
    await store().registry.deleteTrigger("trg_j");
    expect(await store().triggerState.listJoinStates("trg_j")).toEqual([]);
  });

  it("joins: the cap holds over all partitions of a trigger, the oldest entries going first", async () => {
    await store().registry.createTrigger(trigger("trg_cap"));
    const add = (partition: string, key: string, firstAt: number) =>
      store().triggerState.updateJoin("trg_cap", partition, `occ-${key}`, addEntry(key, firstAt), 3);
    await add("p1", "a", 10);
    await add("p2", "b", 20);
    await add("p1", "c", 30);
    const full = await add("p3", "d", 40);
    expect(full.kind === "applied" && full.expired.filter((match) => match.reason === "cap")).toEqual([
      { key: "a", occurrenceIds: [], reason: "cap" },
    ]);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p2:b", "p3:d"]);
    const again = await add("p3", "e", 50);
    expect(again.kind === "applied" && again.expired.filter((match) => match.reason === "cap")).toEqual([
      { key: "b", occurrenceIds: [], reason: "cap" },
    ]);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p3:d,e"]);
    // A step that empties a partition frees its room.
    await store().triggerState.updateJoin(
      "trg_cap",
      "p3",
      "occ-clear",
      () => ({
        state: { entries: [] },
        outcome: { kind: "waiting", missing: [0] },
        expired: [],
      }),
      3,
    );
    await add("p4", "f", 60);
    await add("p4", "g", 70);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p4:f,g"]);
  });

  it("joins: nothing is applied for a trigger paused or deleted meanwhile", async () => {
    await store().registry.createTrigger(trigger("trg_jp"));
    await store().registry.setTriggerPaused("trg_jp", true);
    expect(await store().triggerState.updateJoin("trg_jp", "", "occ1", addEntry("k1", 1), 10)).toEqual({
      kind: "skipped",
      reason: "trigger paused",
    });
    expect(await store().triggerState.listJoinStates("trg_jp")).toEqual([]);
    await store().registry.setTriggerPaused("trg_jp", false);
    // Not applied while paused, so not a replay now.
    expect((await store().triggerState.updateJoin("trg_jp", "", "occ1", addEntry("k1", 1), 10)).kind).toBe(
      "applied",
    );
    expect(await entriesOf("trg_jp")).toEqual([":k1"]);
    await store().registry.deleteTrigger("trg_jp");
    expect(await store().triggerState.updateJoin("trg_jp", "", "occ2", addEntry("k2", 2), 10)).toEqual({
      kind: "skipped",
      reason: "trigger deleted",
    });
    expect(await store().triggerState.listJoinStates("trg_jp")).toEqual([]);
  });

  it("cron: a slot claim succeeds once and logs its occurrences; a stale claim fails", async () => {
    await store().registry.createTrigger(trigger("trg_c"));
    const occurrence: CronOccurrence = {
      kind: "cron",
      id: "cron:trg_c:0:60000",
      at: 60001,
      triggerId: "trg_c",
      conditionIndex: 0,
      scheduledTime: 60000,
    };
    const claim = {
      triggerId: "trg_c",
      conditionIndex: 0,
      expected: undefined,
      next: 60000,
      occurrences: [occurrence],
    };
    expect(await store().triggerState.advanceCron([claim, claim])).toEqual([true, false]);
    expect(await store().triggerState.getCronSlots(["trg_c:0", "trg_c:1"])).toEqual(
      new Map([["trg_c:0", 60000]]),
    );
    expect(
      await store().triggerState.advanceCron([{ ...claim, expected: 60000, next: 120000, occurrences: [] }]),
    ).toEqual([true]);
    expect(await store().triggerState.advanceCron([{ ...claim, triggerId: "trg_gone" }])).toEqual([false]);
    expect(await drainOccurrences(store())).toEqual([occurrence]);
  });

  it("cron: a claim that fires claims once, fires once, records it; stale, deleted or paused fire nothing", async () => {
    for (const id of ["trg_f", "trg_fp", "trg_fd"])
      await store().registry.createTrigger(trigger(id, { conditions: [EVERY_MINUTE] }));
    /** The claim of `triggerId`'s slot `slot` (last one `expected`), firing invocation `inv_<trigger>_<slot>`. */
    const claim = (triggerId: string, expected: number | undefined, slot: number): CronFiringClaim => ({
      triggerId,
      conditionIndex: 0,
      expected,
      next: slot,
      firings: [cronFiring(triggerId, slot)],
    });
    await store().registry.setTriggerPaused("trg_fp", true);
    await store().registry.deleteTrigger("trg_fd");
    const state = store().triggerState;
    const outcomes = async (claims: CronFiringClaim[]) =>
      (await state.fireCron(claims)).map(({ outcome, assigned }) => [outcome, assigned.length]);
    expect(
      await outcomes([
        claim("trg_f", undefined, 60000),
        claim("trg_f", undefined, 60000),
        claim("trg_fp", undefined, 60000),
        claim("trg_fd", undefined, 60000),
      ]),
    ).toEqual([
      ["fired", 0],
      ["lost", 0],
      ["paused", 0],
      ["lost", 0],
    ]);
    // Stale: the slot moved on since.
    expect(await outcomes([claim("trg_f", undefined, 120000)])).toEqual([["lost", 0]]);
    expect(await outcomes([claim("trg_f", 60000, 120000)])).toEqual([["fired", 0]]);
    expect(await state.getCronSlots(["trg_f:0", "trg_fp:0", "trg_fd:0"])).toEqual(
      new Map([
        ["trg_f:0", 120000],
        ["trg_fp:0", 60000],
      ]),
    );
    const fired = await store().work.listInvocations({ triggerId: "trg_f", limit: 10 });
    expect(fired.items.map((inv) => [inv.id, inv.status, inv.arguments])).toEqual([
      ["inv_trg_f_120000", "REGISTERED", { slot: 120000 }],
      ["inv_trg_f_60000", "REGISTERED", { slot: 60000 }],
    ]);
    expect((await store().work.listInvocations({ triggerId: "trg_fp", limit: 10 })).items).toEqual([]);
    expect(
      (await store().history.listEvaluations("trg_f", 10)).map((e) => [e.occurrenceId, e.outcome]),
    ).toEqual([
      ["cron:trg_f:0:120000", "fired"],
      ["cron:trg_f:0:60000", "fired"],
    ]);
    expect(await store().history.listEvaluations("trg_fp", 10)).toEqual([]);
    // Queued: a worker claims both, oldest first; nothing was logged as an occurrence.
    const worker = await connectWorker(store(), "w");
    const claimed = await store().work.claimWork(worker, ["task"], 10, 200000);
    expect(claimed.map((assignment) => assignment.invocationId)).toEqual([
      "inv_trg_f_60000",
      "inv_trg_f_120000",
    ]);
    expect(await drainOccurrences(store())).toEqual([]);
  });

  it("cron: a firing claim creates its invocations on the worker named, while that connection is current", async () => {
    await store().registry.createTrigger(trigger("trg_a", { conditions: [EVERY_MINUTE] }));
    const worker = await connectWorker(store(), "w");
    const stale = { workerId: "w", sessionId: "w-old" };
    const [fired] = await store().triggerState.fireCron([
      {
        triggerId: "trg_a",
        conditionIndex: 0,
        expected: undefined,
        next: 120000,
        firings: [cronFiring("trg_a", 60000, worker), cronFiring("trg_a", 120000, stale)],
      },
    ]);
    expect(fired?.outcome).toBe("fired");
    expect(fired?.assigned.map((a) => [a.invocationId, a.taskId, a.arguments, a.attempt])).toEqual([
      ["inv_trg_a_60000", "task", { slot: 60000 }, 1],
    ]);
    const listed = await store().work.listInvocations({ triggerId: "trg_a", limit: 10 });
    expect(listed.items.map((inv) => [inv.id, inv.status, inv.assignment?.workerId])).toEqual([
      ["inv_trg_a_120000", "REGISTERED", undefined],
      ["inv_trg_a_60000", "PENDING", "w"],
    ]);
    // The one the stale connection could not take is queued for the current one.
    const claimed = await store().work.claimWork(worker, ["task"], 10, 200000);
    expect(claimed.map((assignment) => assignment.invocationId)).toEqual(["inv_trg_a_120000"]);
  });

  it("cron: deleting a trigger clears the slots of all its conditions, however many", async () => {
    // 40 cron conditions: more than the engine accepts (32), so the store() relies on no such bound.
    const conditions = Array.from(
      { length: 40 },
      (): CronCondition => ({
        kind: "cron",
        expression: "* * * * *",
        timezone: "UTC",
        misfire: "skip",
        catchUpWindowMs: 0,
      }),
    );
    const many = trigger("trg_many", { conditions, logic: "or" });
    const claims = (expected: number | undefined, next: number) =>
      [0, 31, 32, 39].map((conditionIndex) => ({
        triggerId: "trg_many",
        conditionIndex,
        expected,
        next,
        occurrences: [],
      }));
    const keys = ["trg_many:0", "trg_many:31", "trg_many:32", "trg_many:39"];
    await store().registry.createTrigger(many);
    expect(await store().triggerState.advanceCron(claims(undefined, 60000))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect((await store().triggerState.getCronSlots(keys)).size).toBe(4);
    expect(await store().registry.deleteTrigger("trg_many")).toBe(true);
    expect(await store().triggerState.getCronSlots(keys)).toEqual(new Map());
    // The same trigger created again starts from no slot: a claim expecting none wins.
    await store().registry.createTrigger(many);
    expect(await store().triggerState.advanceCron(claims(undefined, 120000))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});

const EVERY_MINUTE: CronCondition = {
  kind: "cron",
  expression: "* * * * *",
  timezone: "UTC",
  misfire: "skip",
  catchUpWindowMs: 0,
};

/** The firing of `triggerId`'s slot `slot` (invocation `inv_<trigger>_<slot>`) with its record, onto `assignTo` if given. */
function cronFiring(
  triggerId: string,
  slot: number,
  assignTo?: WorkerRef,
): CronFiringClaim["firings"][number] {
  const occurrenceId = `cron:${triggerId}:0:${slot}`;
  const invocationId = `inv_${triggerId}_${slot}`;
  return {
    firing: {
      triggerId,
      invocation: {
        id: invocationId,
        taskId: "task",
        appId: "app",
        arguments: { slot },
        provenance: { triggerId, occurrenceIds: [occurrenceId], sourceInvocationIds: [], eventIds: [] },
        createdAt: slot + 1,
      },
      firingKey: `${triggerId}|${occurrenceId}`,
      eventIds: [],
    },
    record: { triggerId, at: slot + 1, occurrenceId, outcome: "fired", invocationId, detail: "invoked task" },
    ...(assignTo ? { assignTo } : {}),
  };
}
