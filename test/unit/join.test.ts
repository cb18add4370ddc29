import { describe, expect, it } from "vitest";
import type { JoinState } from "../../src/domain/join.js";
import type { JsonObject } from "../../src/domain/json.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import type { Condition, Trigger } from "../../src/domain/trigger.js";
import { applyToJoin, partitionOf } from "../../src/engine/joins/join.js";
import { compileTrigger } from "../../src/engine/triggers/compiled-trigger.js";

function trigger(conditions: Condition[], join: Partial<Trigger["join"]> = {}) {
  return compileTrigger({
    id: "trg_test",
    targetTaskId: "target",
    appId: "app",
    conditions,
    logic: "and",
    providers: [],
    join: { withinMs: 0, correlationKey: "", maxPending: 0, ...join },
    origin: "runtime",
    paused: false,
    createdAt: 0,
  });
}

const success = (task: string, invocationId: string, at = 0): Occurrence => ({
  kind: "status",
  id: `${invocationId}@4`,
  at,
  invocationId,
  taskId: task,
  status: "SUCCESS",
  arguments: {},
  result: 1,
  attempt: 1,
});

const onSuccess = (taskId: string): Condition => ({ kind: "status", taskId, statuses: ["SUCCESS"] });

describe("applyToJoin", () => {
  it("completes at once when one occurrence satisfies every condition of its only group", () => {
    const compiled = trigger([onSuccess("a"), { kind: "result", taskId: "a" }]);
    const step = applyToJoin({ entries: [] }, compiled, success("a", "i1"), [0, 1], 0);
    expect(step.outcome).toEqual({
      kind: "complete",
      used: [
        { conditionIndex: 0, occurrence: success("a", "i1") },
        { conditionIndex: 1, occurrence: success("a", "i1") },
      ],
    });
    expect(step.state.entries).toEqual([]);
  });

  it("pairs the oldest ready entries across groups and consumes them", () => {
    const compiled = trigger([onSuccess("a"), onSuccess("b")]);
    let state: JoinState = { entries: [] };
    const apply = (occurrence: Occurrence, matched: number[]) => {
      const step = applyToJoin(state, compiled, occurrence, matched, 0);
      state = step.state;
      return step.outcome;
    };
    expect(apply(success("a", "a1"), [0])).toEqual({ kind: "waiting", missing: [1] });
    expect(apply(success("a", "a2"), [0])).toEqual({ kind: "waiting", missing: [1] });
    const done = apply(success("b", "b1"), [1]);
    expect(done.kind === "complete" && done.used.map((u) => u.occurrence.id)).toEqual(["a1@4", "b1@4"]);
    expect(state.entries.map((entry) => entry.key)).toEqual(["a2"]);
  });

  it("correlates conditions on one task by invocation", () => {
    const compiled = trigger([{ kind: "status", taskId: "a", statuses: ["RUNNING"] }, onSuccess("a")]);
    const running = { ...success("a", "x"), id: "x@3", status: "RUNNING" as const };
    let step = applyToJoin({ entries: [] }, compiled, running, [0], 0);
    step = applyToJoin(step.state, compiled, success("a", "y"), [1], 0);
    expect(step.outcome).toEqual({ kind: "waiting", missing: [1] });
    step = applyToJoin(step.state, compiled, success("a", "x"), [1], 0);
    expect(step.outcome.kind).toBe("complete");
    expect(step.state.entries.map((entry) => entry.key)).toEqual(["y"]);
  });

  it("expires entries older than the window (the trigger-wide cap is the store's)", () => {
    const windowed = trigger([onSuccess("a"), onSuccess("b")], { withinMs: 100 });
    const first = applyToJoin({ entries: [] }, windowed, success("a", "a1", 0), [0], 0);
    const later = applyToJoin(first.state, windowed, success("b", "b1", 500), [1], 500);
    expect(later.expired).toEqual([{ key: "a1", occurrenceIds: ["a1@4"], reason: "window" }]);
    expect(later.outcome).toEqual({ kind: "waiting", missing: [0] });

    const wide = trigger([onSuccess("a"), onSuccess("b")], { maxPending: 2 });
    let state: JoinState = { entries: [] };
    for (const id of ["a1", "a2", "a3"]) state = applyToJoin(state, wide, success("a", id), [0], 0).state;
    expect(state.entries.map((entry) => entry.key)).toEqual(["a1", "a2", "a3"]);
  });

  const running = (taskId: string, invocationId: string): Occurrence => ({
    kind: "status",
    id: `${invocationId}@3`,
    at: 0,
    invocationId,
    taskId,
    status: "RUNNING",
    arguments: {},
    attempt: 1,
  });
  const onRunning = (taskId: string): Condition => ({ kind: "status", taskId, statuses: ["RUNNING"] });
  const resultIs = (taskId: string, value: number): Condition => ({
    kind: "result",
    taskId,
    filterResult: { kind: "value", value },
  });

  it("keeps nothing for a SUCCESS that decided its whole group without completing it", () => {
    // onSuccess(a) AND onResult(a, 2): a SUCCESS whose result is 1 can never complete.
    const compiled = trigger([onSuccess("a"), resultIs("a", 2), onSuccess("b")]);
    const step = applyToJoin({ entries: [] }, compiled, success("a", "x"), [0], 0);
    expect(step.outcome).toEqual({ kind: "discarded", unsatisfiable: [1] });
    expect(step.state.entries).toEqual([]);
    expect(step.expired).toEqual([]);
  });

  it("drops the partial match of an invocation its final status leaves incomplete, and says so", () => {
    const compiled = trigger([onRunning("a"), onSuccess("a"), resultIs("a", 2)]);
    const started = applyToJoin({ entries: [] }, compiled, running("a", "x"), [0], 0);
    expect(started.outcome).toEqual({ kind: "waiting", missing: [1, 2] });
    const done = applyToJoin(started.state, compiled, success("a", "x"), [1], 0);
    expect(done.outcome).toEqual({ kind: "discarded", unsatisfiable: [2] });
    expect(done.state.entries).toEqual([]);
    expect(done.expired).toEqual([{ key: "x", occurrenceIds: ["x@3", "x@4"], reason: "incomplete" }]);
  });

  it("keeps a SUCCESS waiting for a RUNNING of the same invocation processed later", () => {
    const compiled = trigger([onRunning("a"), onSuccess("a")]);
    const early = applyToJoin({ entries: [] }, compiled, success("a", "x"), [1], 0);
    expect(early.outcome).toEqual({ kind: "waiting", missing: [0] });
    const late = applyToJoin(early.state, compiled, running("a", "x"), [0], 0);
    expect(late.outcome.kind).toBe("complete");
    expect(late.state.entries).toEqual([]);
  });

  it("a non-final status decides nothing: later statuses of the invocation may still match", () => {
    const compiled = trigger([onRunning("a"), resultIs("a", 2)]);
    const step = applyToJoin({ entries: [] }, compiled, running("a", "x"), [0], 0);
    expect(step.outcome).toEqual({ kind: "waiting", missing: [1] });
    expect(step.state.entries.map((entry) => entry.key)).toEqual(["x"]);
  });

  it("two conditions on one event code are met by two events, and by one event matching both", () => {
    const compiled = trigger([
      { kind: "event", code: "order", payloadFilter: { kind: "value", value: { type: "paid" } } },
      { kind: "event", code: "order", payloadFilter: { kind: "value", value: { type: "shipped" } } },
    ]);
    const order = (id: string, payload: JsonObject): Occurrence => ({
      kind: "event",
      id,
      at: 0,
      code: "order",
      payload,
    });
    const paid = applyToJoin({ entries: [] }, compiled, order("evt_paid", { type: "paid" }), [0], 0);
    expect(paid.outcome).toEqual({ kind: "waiting", missing: [1] });
    const shipped = applyToJoin(paid.state, compiled, order("evt_shipped", { type: "shipped" }), [1], 0);
    expect(shipped.outcome).toMatchObject({
      kind: "complete",
      used: [
        { conditionIndex: 0, occurrence: { id: "evt_paid" } },
        { conditionIndex: 1, occurrence: { id: "evt_shipped" } },
      ],
    });
    expect(shipped.state.entries).toEqual([]);

    const both = applyToJoin({ entries: [] }, compiled, order("evt_both", {}), [0, 1], 0);
    expect(both.outcome).toMatchObject({
      kind: "complete",
      used: [
        { conditionIndex: 0, occurrence: { id: "evt_both" } },
        { conditionIndex: 1, occurrence: { id: "evt_both" } },
      ],
    });
    expect(both.state.entries).toEqual([]);
  });
});

describe("partitionOf", () => {
  const event = (payload: JsonObject): Occurrence => ({
    kind: "event",
    id: "evt_1",
    at: 0,
    code: "e",
    payload,
  });
  const joined = (correlationKey: string) =>
    trigger([{ kind: "event", code: "e" }, onSuccess("b")], { correlationKey });

  it("is the key's canonical JSON, and undefined when the occurrence lacks it", () => {
    expect(partitionOf(joined("orderId"), event({ orderId: "o1" }))).toBe('"o1"');
    expect(partitionOf(joined("orderId"), event({ orderId: { b: 1, a: 2 } }))).toBe('{"a":2,"b":1}');
    expect(partitionOf(joined("orderId"), event({}))).toBeUndefined();
    expect(partitionOf(trigger([onSuccess("a"), onSuccess("b")]), event({}))).toBe("");
  });

  it("reads the occurrence's own fields only", () => {
    expect(partitionOf(joined("__proto__"), event({}))).toBeUndefined();
    expect(partitionOf(joined("constructor"), event({}))).toBeUndefined();
    expect(partitionOf(joined("__proto__"), event(JSON.parse('{"__proto__": 7}') as JsonObject))).toBe("7");
  });
});
