import { errorMessage } from "../../domain/errors.js";
import { isJsonObject, type JsonValue, jsonEqual } from "../../domain/json.js";
import type { CompiledFilter } from "./compiled-trigger.js";

export type FilterVerdict = { pass: true } | { pass: false } | { error: string };

/** Calls a filter function of the trigger's app on a worker; resolves to what it returned. */
export type CallFilterFunction = (functionId: string, value: JsonValue) => Promise<JsonValue>;

/**
 * The static filter rule (docs/design.md §3.5): an object filter matches an object holding every
 * one of its keys with a JSON-equal value (top-level subset, nested values compared
 * whole); any other filter value matches an equal value.
 */
export function matchesStatic(filter: JsonValue, value: JsonValue): boolean {
  if (!isJsonObject(filter)) return jsonEqual(filter, value);
  if (!isJsonObject(value)) return false;
  // Own keys only: `in` would find "constructor" or "toString" on the prototype.
  return Object.entries(filter).every(
    ([key, expected]) => Object.hasOwn(value, key) && jsonEqual(expected, value[key] as JsonValue),
  );
}

/** Applies one filter to `value`; CEL sees `variables`. Never throws. */
export async function evaluateFilter(
  filter: CompiledFilter,
  value: JsonValue,
  variables: Record<string, JsonValue>,
  callFunction: CallFilterFunction,
): Promise<FilterVerdict> {
  try {
    let verdict: JsonValue;
    switch (filter.kind) {
      case "value":
        return { pass: matchesStatic(filter.value, value) };
      case "cel":
        verdict = filter.program.evaluate(variables);
        if (typeof verdict !== "boolean")
          return { error: `CEL "${filter.program.source}" gave ${JSON.stringify(verdict)}, not a bool` };
        return { pass: verdict };
      case "function":
        verdict = await callFunction(filter.functionId, value);
        if (typeof verdict !== "boolean") {
          return {
            error: `filter function ${filter.functionId} returned ${JSON.stringify(verdict)}; it must return a boolean`,
          };
        }
        return { pass: verdict };
    }
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** How a filter reads in explain records: `callArguments (CEL "amount > 5")`. */
export function describeFilter(label: string, filter: CompiledFilter): string {
  switch (filter.kind) {
    case "value":
      return `${label} ${JSON.stringify(filter.value)}`;
    case "cel":
      return `${label} (CEL "${filter.program.source}")`;
    case "function":
      return `${label} (function ${filter.functionId})`;
  }
}
