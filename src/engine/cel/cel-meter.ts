import { CelScalar, type CelValue, celFunc, isCelList, isCelMap, parse } from "@bufbuild/cel";
import { quote } from "../../domain/errors.js";

type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;
type Call = Extract<Expr["exprKind"], { case: "callExpr" }>["value"];

/**
 * The step limit of CEL evaluation. One step is one element of a list or map a
 * macro (`all`, `exists`, `map`, `filter`...) iterates over, counted in full when
 * the macro starts, or one value an operator reads whose cost grows with its
 * operands (comparisons, `in`, `+`, string functions), counted deeply, a string
 * as one step per 64 characters begun. The rest of an evaluation is bounded by
 * the expression's size times these.
 */
export const DEFAULT_CEL_MAX_STEPS = 100_000;

const RANGE = "@nenc_range";
const DEEP = "@nenc_deep";
/** Operators and functions whose cost grows with the size of their operands. */
const DEEP_OPERATORS = new Set([
  "_==_",
  "_!=_",
  "_<_",
  "_<=_",
  "_>_",
  "_>=_",
  "@in",
  "_+_",
  "contains",
  "startsWith",
  "endsWith",
  "matches",
]);
/** Characters of a string one step pays for. */
const CHARS_PER_STEP = 64;

/** A parsed call node: the wrappers copy it, so they are well-formed messages of the parser's own types. */
const CALL_TEMPLATE = callTemplate();

function callTemplate(): Call {
  const kind = parse("f(x)").expr?.exprKind;
  if (kind?.case !== "callExpr") throw new Error("the CEL parser no longer reads f(x) as a call");
  return kind.value;
}

/**
 * Thrown by the meter functions once the steps ran out; `metered` turns it into one
 * message naming the limit. One instance: the rest of the evaluation unwinds through
 * many throws, and capturing a stack for each would cost more than the steps did.
 */
const EXCEEDED = new Error("CEL step limit reached");

/** Evaluation is synchronous and never re-entered, so one meter serves every program. */
const meter = { limit: 0, spent: 0, exceeded: false };

function spend(steps: number): void {
  meter.spent += steps;
  if (meter.spent > meter.limit) {
    meter.exceeded = true;
    throw EXCEEDED;
  }
}

/** Values `value` holds, counted deeply; stops counting past `cap`. */
function deepSize(value: CelValue, cap: number): number {
  let count = 0;
  const stack: CelValue[] = [value];
  while (stack.length > 0 && count <= cap) {
    const item = stack.pop() as CelValue;
    count += typeof item === "string" ? 1 + Math.floor(item.length / CHARS_PER_STEP) : 1;
    if (isCelList(item)) for (const element of item) stack.push(element);
    else if (isCelMap(item)) for (const [key, element] of item) stack.push(key, element);
  }
  return count;
}

/** The functions the rewritten expressions call; names with `@` cannot be written in CEL source. */
export const METER_FUNCTIONS = [
  celFunc(RANGE, [CelScalar.DYN], CelScalar.DYN, (range: CelValue) => {
    spend(isCelList(range) ? range.size : isCelMap(range) ? range.size : 0);
    return range;
  }),
  celFunc(DEEP, [CelScalar.DYN], CelScalar.DYN, (value: CelValue) => {
    spend(deepSize(value, meter.limit - meter.spent + 1));
    return value;
  }),
];

/**
 * Rewrites a parsed expression in place so that evaluating it counts steps:
 * every comprehension's range and every operand of DEEP_OPERATORS pass through
 * a metering function that returns them unchanged.
 */
export function instrument(expr: Expr | undefined): void {
  if (!expr) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      instrument(kind.value.operand);
      return;
    case "callExpr":
      instrument(kind.value.target);
      for (const arg of kind.value.args) instrument(arg);
      if (DEEP_OPERATORS.has(kind.value.function)) {
        // A macro's accumulator (`@result + [x]` in map) is not re-read: its `+` is lazy.
        for (const operand of [kind.value.target, ...kind.value.args])
          if (operand && !isAccumulator(operand)) wrap(operand, DEEP);
      }
      return;
    case "listExpr":
      for (const element of kind.value.elements) instrument(element);
      return;
    case "structExpr":
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === "mapKey") instrument(entry.keyKind.value);
        instrument(entry.value);
      }
      return;
    case "comprehensionExpr": {
      const c = kind.value;
      for (const part of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) instrument(part);
      if (c.iterRange) wrap(c.iterRange, RANGE);
      return;
    }
    default:
      return;
  }
}

/** Macro variables start with `@`, which CEL source cannot write. */
function isAccumulator(node: Expr): boolean {
  return node.exprKind.case === "identExpr" && node.exprKind.value.name.startsWith("@");
}

/** Turns `node` into `fn(node)`, keeping its id so errors still point at it. */
function wrap(node: Expr, fn: string): void {
  const inner: Expr = { ...node };
  node.exprKind = {
    case: "callExpr",
    value: { ...CALL_TEMPLATE, function: fn, target: undefined, args: [inner] },
  };
}

/**
 * Runs `run` with at most `maxSteps` steps. Returns what it returned, or throws an
 * Error naming the limit when the steps ran out (even when the expression would have
 * absorbed the error, as `false && ...` or `... || true` can).
 */
export function metered<T>(maxSteps: number, source: string, run: () => T): T {
  meter.limit = maxSteps;
  meter.spent = 0;
  meter.exceeded = false;
  let result: T | undefined;
  try {
    result = run();
  } catch (error) {
    if (error !== EXCEEDED && !meter.exceeded) throw error;
  }
  if (meter.exceeded) {
    throw new Error(
      `CEL ${quote(source)} stopped: it needs more than ${maxSteps} steps, the limit (NENC_CEL_MAX_STEPS); ` +
        "a step is one element a macro such as all/exists/map iterates, or one value an operator reads",
    );
  }
  return result as T;
}
