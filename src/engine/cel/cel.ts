import {
  type CelValue,
  celEnv,
  isCelError,
  isCelList,
  isCelMap,
  isCelUint,
  parse,
  plan,
} from "@bufbuild/cel";
import { errorMessage, NencError, quote } from "../../domain/errors.js";
import type { JsonValue } from "../../domain/json.js";
import { freeIdentifiers, minimumSteps, resultTypeOf } from "./cel-analysis.js";
import { instrument, METER_FUNCTIONS, metered } from "./cel-meter.js";

/** A CEL expression checked at registration and ready to evaluate over JSON variables. */
export interface CelProgram {
  readonly source: string;
  /** The CEL type every evaluation yields when the expression's form tells ("bool", "map", "int"...). */
  readonly resultType: string | undefined;
  /** Steps every evaluation takes at least (macros over literals); known before any run. */
  readonly minimumSteps: number;
  /**
   * Throws an Error with CEL's message when evaluation fails, or naming the limit
   * when it would take more than `maxSteps` steps.
   */
  evaluate(variables: Record<string, JsonValue | undefined>, maxSteps: number): JsonValue;
}

/** A CEL program bound to the step limit of the orchestrator that compiled it. */
export interface BoundCel {
  readonly source: string;
  /** Throws an Error naming what failed, the step limit included. */
  evaluate(variables: Record<string, JsonValue | undefined>): JsonValue;
}

/** What a CEL expression is for: a filter must give a bool, a provider a map, a join key anything. */
export type CelUse = "filter" | "provider" | "key";

/**
 * Compiles CEL at `path` and binds it to the step limit. Strict (a new
 * definition): also refuses a result type its form shows to be wrong, and an
 * expression that needs more steps than the limit at every evaluation.
 */
export function bindCel(
  source: string,
  variables: readonly string[],
  path: string,
  use: CelUse,
  options: { celMaxSteps: number; strict: boolean },
): BoundCel {
  const program = compileCel(source, variables, path);
  if (options.strict) checkCel(program, path, use, options.celMaxSteps);
  const maxSteps = options.celMaxSteps;
  return { source, evaluate: (values) => program.evaluate(values, maxSteps) };
}

function checkCel(program: CelProgram, path: string, use: CelUse, maxSteps: number): void {
  const wanted = use === "filter" ? "bool" : use === "provider" ? "map" : undefined;
  if (wanted && program.resultType && program.resultType !== wanted) {
    const hint =
      use === "filter"
        ? 'a filter must give a bool, e.g. "payload.amount > 5"'
        : 'an argument provider must give a map of named arguments, e.g. {"user": payload.userId}';
    throw NencError.invalid(path, `CEL ${quote(program.source)} gives ${program.resultType}; ${hint}`);
  }
  if (program.minimumSteps > maxSteps) {
    throw new NencError(
      "RESOURCE_EXHAUSTED",
      `CEL ${quote(program.source)} takes at least ${program.minimumSteps} steps at every evaluation; the limit is ${maxSteps} (NENC_CEL_MAX_STEPS): iterate over fewer values`,
      path,
    );
  }
}

/** A result of more values than this is refused: a small expression can multiply shared lists. */
const MAX_RESULT_VALUES = 1_000_000;

const env = celEnv({ funcs: METER_FUNCTIONS });
/** Compiled programs by source, with their free identifiers: thousands of triggers often share one expression. */
const cache = new Map<string, { program: CelProgram; identifiers: readonly string[] }>();
const CACHE_LIMIT = 10_000;

/**
 * Parses and plans `source`, rejecting syntax errors (with their line and column)
 * and identifiers that are not among `variables`, so that a typo fails when the
 * trigger is registered rather than at every evaluation.
 */
export function compileCel(source: string, variables: readonly string[], field: string): CelProgram {
  if (source.trim() === "") throw NencError.invalid(field, "CEL expression is empty");
  const compiled = cache.get(source) ?? planCel(source, field);
  const unknown = compiled.identifiers.filter((name) => !variables.includes(name));
  if (unknown.length > 0) {
    throw NencError.invalid(
      field,
      `invalid CEL: unknown variable "${unknown[0]}"; available here: ${variables.join(", ")}`,
    );
  }
  return compiled.program;
}

/** Parses, analyses and plans `source` once; remembered in the cache. */
function planCel(source: string, field: string): { program: CelProgram; identifiers: readonly string[] } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    throw NencError.invalid(field, `invalid CEL: ${errorMessage(error).replace("<input>:", "at ")}`);
  }
  const identifiers = [...freeIdentifiers(parsed.expr)];
  const resultType = resultTypeOf(parsed.expr);
  const minSteps = minimumSteps(parsed.expr);
  instrument(parsed.expr);
  const run = plan(env, parsed);
  const program: CelProgram = {
    source,
    resultType,
    minimumSteps: minSteps,
    evaluate(values, maxSteps) {
      const bindings: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(values)) {
        if (value !== undefined) bindings[name] = toCel(value);
      }
      const result = metered(maxSteps, source, () => run(bindings as Parameters<typeof run>[0]));
      if (isCelError(result)) throw new Error(`CEL "${source}": ${result.message}`);
      return fromCel(result, { left: MAX_RESULT_VALUES });
    },
  };
  const entry = { program, identifiers };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, entry);
  return entry;
}

function toCel(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  }
  return value;
}

function fromCel(value: CelValue, budget: { left: number }): JsonValue {
  if (--budget.left < 0) throw new Error(`CEL produced more than ${MAX_RESULT_VALUES} values`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) return [...value].map((item) => fromCel(item, budget));
  if (isCelMap(value)) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of value) object[String(isCelUint(key) ? key.value : key)] = fromCel(item, budget);
    return object;
  }
  throw new Error(`CEL produced a value that is not JSON (${Object.prototype.toString.call(value)})`);
}
