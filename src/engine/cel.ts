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
import { errorMessage, NencError } from "../domain/errors.js";
import type { JsonValue } from "../domain/json.js";

type Expr = ReturnType<typeof parse>["expr"];

/** A CEL expression checked at registration and ready to evaluate over JSON variables. */
export interface CelProgram {
  readonly source: string;
  /** Throws an Error with CEL's message when evaluation fails. */
  evaluate(variables: Record<string, JsonValue | undefined>): JsonValue;
}

const env = celEnv();
const cache = new Map<string, CelProgram>();
const CACHE_LIMIT = 10_000;

/**
 * Parses and plans `source`, rejecting syntax errors (with their line and column)
 * and identifiers that are not among `variables`, so that a typo fails when the
 * trigger is registered rather than at every evaluation.
 */
export function compileCel(source: string, variables: readonly string[], field: string): CelProgram {
  if (source.trim() === "") throw NencError.invalid(field, "CEL expression is empty");
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    throw NencError.invalid(field, `invalid CEL: ${errorMessage(error).replace("<input>:", "at ")}`);
  }
  const unknown = [...freeIdentifiers(parsed.expr)].filter((name) => !variables.includes(name));
  if (unknown.length > 0) {
    throw NencError.invalid(
      field,
      `invalid CEL: unknown variable "${unknown[0]}"; available here: ${variables.join(", ")}`,
    );
  }
  const cached = cache.get(source);
  if (cached) return cached;
  const run = plan(env, parsed);
  const program: CelProgram = {
    source,
    evaluate(values) {
      const bindings: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(values)) {
        if (value !== undefined) bindings[name] = toCel(value);
      }
      const result = run(bindings as Parameters<typeof run>[0]);
      if (isCelError(result)) throw new Error(`CEL "${source}": ${result.message}`);
      return fromCel(result);
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, program);
  return program;
}

/** Root identifiers an expression reads, minus comprehension variables. */
function freeIdentifiers(expr: Expr | undefined, bound: ReadonlySet<string> = new Set()): Set<string> {
  const found = new Set<string>();
  const visit = (node: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!node) return;
    const kind = node.exprKind;
    switch (kind.case) {
      case "identExpr":
        if (!scope.has(kind.value.name)) found.add(kind.value.name);
        return;
      case "selectExpr":
        visit(kind.value.operand, scope);
        return;
      case "callExpr":
        visit(kind.value.target, scope);
        for (const arg of kind.value.args) visit(arg, scope);
        return;
      case "listExpr":
        for (const element of kind.value.elements) visit(element, scope);
        return;
      case "structExpr":
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === "mapKey") visit(entry.keyKind.value, scope);
          visit(entry.value, scope);
        }
        return;
      case "comprehensionExpr": {
        const c = kind.value;
        visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, inner);
        return;
      }
      default:
        return;
    }
  };
  visit(expr, bound);
  return found;
}

function toCel(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  }
  return value;
}

function fromCel(value: CelValue): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of value) object[String(isCelUint(key) ? key.value : key)] = fromCel(item);
    return object;
  }
  throw new Error(`CEL produced a value that is not JSON (${Object.prototype.toString.call(value)})`);
}
