import { describe, expect, it } from "vitest";
import { NencError } from "../../src/domain/errors.js";
import { bindCel, compileCel } from "../../src/engine/cel/cel.js";

const l300 = Array.from({ length: 300 }, (_, i) => i);
const limitMessage = (source: string, steps: number) =>
  `CEL "${source}" stopped: it needs more than ${steps} steps, the limit (NENC_CEL_MAX_STEPS); a step is one element a macro such as all/exists/map iterates, or one value an operator reads`;

describe("CEL step limit at run time", () => {
  it("counts each macro's range when it starts, and what each step adds: exactly the steps a run takes", () => {
    const source = "[1, 2, 3].map(a, [1, 2].map(b, a * b))";
    const program = compileCel(source, [], "f");
    // 3 (outer range) + 3 × (2 (inner range) + 2 × 2 (each [a * b] added) + 4 (the [[x, y]] added)).
    expect(program.evaluate({}, 33)).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    expect(() => program.evaluate({}, 32)).toThrow(limitMessage(source, 32));
  });

  it("counts a string as one step per 64 characters begun", () => {
    const source = 'payload.s.contains("z")';
    const program = compileCel(source, ["payload"], "f");
    // 1 + 640 / 64 for the string, 1 for "z".
    expect(program.evaluate({ payload: { s: "a".repeat(640) } }, 12)).toBe(false);
    expect(() => program.evaluate({ payload: { s: "a".repeat(640) } }, 11)).toThrow(limitMessage(source, 11));
  });

  it("counts the values an equality reads, deeply", () => {
    const source = "payload.l == payload.l";
    const program = compileCel(source, ["payload"], "f");
    // Each operand is a list and its 300 elements: 301 steps.
    expect(program.evaluate({ payload: { l: l300 } }, 602)).toBe(true);
    expect(() => program.evaluate({ payload: { l: l300 } }, 601)).toThrow(limitMessage(source, 601));
  });

  it("stops the probe's cubic expression, and no || or && absorbs the error", () => {
    const probe = "payload.l.all(a, payload.l.all(b, payload.l.all(c, a + b + c >= 0)))";
    expect(() => compileCel(probe, ["payload"], "f").evaluate({ payload: { l: l300 } }, 100_000)).toThrow(
      limitMessage(probe, 100_000),
    );
    const absorbing = "payload.l.exists(x, x > 500) || true";
    // 300 (the range) + 300 × 2 (each x > 500 reads two values).
    expect(() => compileCel(absorbing, ["payload"], "f").evaluate({ payload: { l: l300 } }, 899)).toThrow(
      limitMessage(absorbing, 899),
    );
    expect(compileCel(absorbing, ["payload"], "f").evaluate({ payload: { l: l300 } }, 900)).toBe(true);
  });

  it("refuses a result of more than a million values, whatever the step limit", () => {
    const source = "payload.l.map(a, payload.l.map(b, payload.l))";
    const program = compileCel(source, ["payload"], "f");
    const l = l300.slice(0, 100);
    // Within a (raised) step limit, the result still may not hold more than a million values.
    expect(() => program.evaluate({ payload: { l } }, 10_000_000)).toThrow(
      "CEL produced more than 1000000 values",
    );
  });
});

describe("CEL checked when a trigger is created", () => {
  it("knows the least steps of macros over literals, never more than a run takes", () => {
    const steps = (source: string) => compileCel(source, ["payload"], "f").minimumSteps;
    expect(steps("[1, 2, 3].map(a, [1, 2].map(b, a * b))")).toBe(9);
    // all/exists may stop after their first element; && and ?: may skip an operand.
    expect(steps("[1, 2, 3].all(a, [1, 2].all(b, a > b))")).toBe(3);
    // exists runs its first step, but its step is `@result || test`, counted as maybe skipped.
    expect(steps("[1, 2, 3].exists(a, [1, 2].map(b, b).size() > a)")).toBe(3);
    expect(steps("payload.ok && [1, 2].map(b, b).size() > 0")).toBe(0);
    expect(steps("payload.l.map(a, [1, 2].map(b, b))")).toBe(0);
    expect(steps("{'a': 1, 'b': 2}.all(k, k != '')")).toBe(2);
  });

  it("knows the result type where the form tells", () => {
    const type = (source: string) => compileCel(source, ["payload"], "f").resultType;
    expect(
      ["1 + 2", "1.5 * 2.0", "'a' + 'b'", "[1, 2]", "{'a': 1}", "payload.l.map(x, x)"].map(type),
    ).toEqual(["int", "double", "string", "list", "map", "list"]);
    expect(
      ["payload.a > 1", "payload.l.exists_one(x, x > 1)", "1 in payload.l", "!payload.b"].map(type),
    ).toEqual(["bool", "bool", "bool", "bool"]);
    expect(["payload.x", "payload.a + 1", "true ? 1 : 'a'"].map(type)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("strict binding refuses a wrong type or a least cost over the limit; lenient binding does not", () => {
    const strict = { celMaxSteps: 8, strict: true };
    let error: unknown;
    try {
      bindCel("[1, 2, 3].map(a, [1, 2].map(b, a * b)).size() > 0", [], "trigger.f", "filter", strict);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NencError);
    expect([(error as NencError).code, (error as NencError).message]).toEqual([
      "RESOURCE_EXHAUSTED",
      'trigger.f: CEL "[1, 2, 3].map(a, [1, 2].map(b, a * b)).size() > 0" takes at least 9 steps at every evaluation; the limit is 8 (NENC_CEL_MAX_STEPS): iterate over fewer values',
    ]);
    expect(() => bindCel("'text'", [], "trigger.f", "filter", strict)).toThrow(
      'trigger.f: CEL "\'text\'" gives string; a filter must give a bool, e.g. "payload.amount > 5"',
    );
    expect(() => bindCel("1 + 2", [], "trigger.key", "key", strict)).not.toThrow();
    const lenient = bindCel("'text'", [], "trigger.f", "filter", { celMaxSteps: 8, strict: false });
    expect(lenient.evaluate({})).toBe("text");
  });
});
