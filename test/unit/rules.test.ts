import { describe, expect, it } from "vitest";
import { NencError } from "../../src/domain/errors.js";
import { canonicalJson, type JsonObject, jsonEqual } from "../../src/domain/json.js";
import { decideRetry, NO_RETRY } from "../../src/domain/task.js";
import { deriveTriggerId, type TriggerDefinition } from "../../src/domain/trigger.js";
import { compileCel } from "../../src/engine/cel/cel.js";
import { matchesStatic } from "../../src/engine/triggers/filters.js";

describe("static filters (docs/design.md §3.5)", () => {
  it("objects match as a top-level subset, nested values compared whole, no coercion", () => {
    expect(matchesStatic({ priority: "high" }, { priority: "high", amount: 5 })).toBe(true);
    expect(matchesStatic({ priority: "high" }, { amount: 5 })).toBe(false);
    expect(matchesStatic({ meta: { a: 1 } }, { meta: { a: 1, b: 2 } })).toBe(false);
    expect(matchesStatic({ meta: { a: 1, b: 2 } }, { meta: { b: 2, a: 1 } })).toBe(true);
    expect(matchesStatic({ flag: 1 }, { flag: true })).toBe(false);
    expect(matchesStatic({ n: null }, {})).toBe(false);
    expect(matchesStatic({ n: null }, { n: null })).toBe(true);
  });

  it("look up the filter's keys among the value's own fields, never its prototype's", () => {
    // JSON text can name any key; Object.prototype is an object with no own keys.
    const proto = JSON.parse('{"__proto__": {}}') as JsonObject;
    expect(matchesStatic(proto, {})).toBe(false);
    expect(matchesStatic(proto, { amount: 1 })).toBe(false);
    expect(matchesStatic(proto, JSON.parse('{"__proto__": {}, "amount": 1}') as JsonObject)).toBe(true);
    expect(matchesStatic({ constructor: {} }, {})).toBe(false);
    expect(matchesStatic({ toString: { a: 1 } }, { toString: { a: 1 } })).toBe(true);
    expect(jsonEqual(proto, { other: {} })).toBe(false);
  });

  it("non-object filters are JSON equality", () => {
    expect(matchesStatic(2.5, 2.5)).toBe(true);
    expect(matchesStatic(2.5, "2.5")).toBe(false);
    expect(matchesStatic([1, 2], [1, 2])).toBe(true);
    expect(matchesStatic({ status: "completed" }, "completed")).toBe(false);
    expect(jsonEqual(1, true)).toBe(false);
  });
});

describe("trigger ids", () => {
  const base: TriggerDefinition = {
    targetTaskId: "t",
    appId: "a",
    conditions: [{ kind: "status", taskId: "s", statuses: ["SUCCESS", "FAILED"] }],
    logic: "or",
    providers: [{ kind: "static", value: { level: "info" } }],
    join: { withinMs: 0, correlationKey: "", maxPending: 0 },
  };

  it("depend on every semantic field and on nothing else", () => {
    const id = deriveTriggerId(base, "declared");
    expect(id).toMatch(/^trg_[0-9a-f]{24}$/);
    expect(
      deriveTriggerId(
        { ...base, conditions: [{ kind: "status", taskId: "s", statuses: ["FAILED", "SUCCESS", "FAILED"] }] },
        "declared",
      ),
    ).toBe(id);
    expect(deriveTriggerId({ ...base, logic: "and" }, "declared")).toBe(id); // one condition: logic cannot matter
    expect(
      deriveTriggerId({ ...base, providers: [{ kind: "static", value: { level: "warn" } }] }, "declared"),
    ).not.toBe(id);
    expect(deriveTriggerId({ ...base, targetTaskId: "u" }, "declared")).not.toBe(id);
    expect(deriveTriggerId(base, "runtime")).not.toBe(id);
  });

  it("canonical JSON sorts keys", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});

describe("CEL", () => {
  it("evaluates over JSON variables and reports errors with a position", () => {
    const program = compileCel("arguments.amount > 1000 && arguments.priority == 'high'", ["arguments"], "f");
    expect(program.evaluate({ arguments: { amount: 2000, priority: "high" } }, 100)).toBe(true);
    expect(program.evaluate({ arguments: { amount: 20, priority: "high" } }, 100)).toBe(false);
    expect(
      compileCel("{'n': payload.n * 2.0, 'tags': ['a']}", ["payload"], "p").evaluate(
        { payload: { n: 2 } },
        100,
      ),
    ).toEqual({
      n: 4,
      tags: ["a"],
    });
    expect(() => compileCel("payload.n >", ["payload"], "trigger.f")).toThrow(NencError);
    expect(() => compileCel("payload.items.all(i, i > 0) && x", ["payload"], "trigger.f")).toThrow(
      'unknown variable "x"',
    );
  });
});

describe("retry decisions", () => {
  it("backs off exponentially up to the cap, and stops after maxRetries", () => {
    const policy = {
      ...NO_RETRY,
      maxRetries: 3,
      initialBackoffMs: 100,
      backoffMultiplier: 3,
      maxBackoffMs: 500,
    };
    const error = { type: "E", message: "", chain: ["E", "Error"], stack: "" };
    expect([1, 2, 3, 4].map((attempt) => decideRetry(policy, attempt, error))).toEqual([
      { retry: true, delayMs: 100 },
      { retry: true, delayMs: 300 },
      { retry: true, delayMs: 500 },
      { retry: false },
    ]);
    expect(decideRetry({ ...policy, retryOn: ["TypeError"] }, 1, error)).toEqual({ retry: false });
    expect(decideRetry({ ...policy, retryOn: ["Error"] }, 1, error)).toEqual({ retry: true, delayMs: 100 });
  });
});
