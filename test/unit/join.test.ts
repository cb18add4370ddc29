import { describe, expect, it } from "vitest";
import type { JoinState } from "../../src/domain/join.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import type { Condition, Trigger } from "../../src/domain/trigger.js";
import { compileTrigger } from "../../src/engine/compiled-trigger.js";
import { applyToJoin } from "../../src/engine/join.js";

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

  it("expires entries older than the window and beyond the cap", () => {
    const windowed = trigger([onSuccess("a"), onSuccess("b")], { withinMs: 100 });
    const first = applyToJoin({ entries: [] }, windowed, success("a", "a1", 0), [0], 0);
    const later = applyToJoin(first.state, windowed, success("b", "b1", 500), [1], 500);
    expect(later.expired.map((entry) => entry.key)).toEqual(["a1"]);
    expect(later.outcome).toEqual({ kind: "waiting", missing: [0] });

    const capped = trigger([onSuccess("a"), onSuccess("b")], { maxPending: 2 });
    let state: JoinState = { entries: [] };
    const expired: string[] = [];
    for (const id of ["a1", "a2", "a3"]) {
      const step = applyToJoin(state, capped, success("a", id), [0], 0);
      state = step.state;
      expired.push(...step.expired.map((entry) => entry.key));
    }
    expect(expired).toEqual(["a1"]);
    expect(state.entries.map((entry) => entry.key)).toEqual(["a2", "a3"]);
  });
});
