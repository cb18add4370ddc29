import { exceedsDepth, MAX_JSON_DEPTH } from "@nenc/protocol/limits";

/** JsonValue: what task arguments, results and event payloads are made of; JsonObject: arguments and payloads. */
export type { JsonObject, JsonValue } from "@nenc/protocol";

import type { JsonObject, JsonValue } from "@nenc/protocol";

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The path of the first part of `value` that JSON cannot carry, or undefined. */
export function findNonJson(value: unknown, path = "$", seen = new Set<object>()): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (typeof value !== "object" || seen.has(value)) return path;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        const bad = findNonJson(item, `${path}[${i}]`, seen);
        if (bad) return bad;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return path;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const bad = findNonJson(item, `${path}.${key}`, seen);
      if (bad) return bad;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

export { DECODE_RECURSION_LIMIT, MAX_JSON_DEPTH } from "@nenc/protocol/limits";

/** The limits a value must keep to travel; `maxBytes` 0 or absent = not checked here. */
export interface JsonLimits {
  maxDepth?: number;
  maxBytes?: number;
}

/** A value cannot travel: not JSON, nested too deep or too large. Raised before it is sent. */
export class ValueNotAcceptedError extends TypeError {
  override name = "ValueNotAcceptedError";
}

/**
 * Drops `undefined` object members (JSON.stringify would) and checks the rest is
 * JSON within `limits`; throws ValueNotAcceptedError naming `what` and the limit.
 */
export function toJson(value: unknown, what: string, limits: JsonLimits = {}): JsonValue {
  return JSON.parse(toJsonText(value, what, limits)) as JsonValue;
}

/** As toJson, but the checked value's JSON text (`undefined` is "null"). */
export function toJsonText(value: unknown, what: string, limits: JsonLimits = {}): string {
  if (value === undefined) return "null";
  const bad = findNonJson(value);
  if (bad) throw new ValueNotAcceptedError(`${what} is not JSON-serialisable at ${bad}`);
  const maxDepth = limits.maxDepth || MAX_JSON_DEPTH;
  if (exceedsDepth(value, maxDepth)) {
    throw new ValueNotAcceptedError(
      `${what} is nested more than ${maxDepth} levels deep; the limit is ${maxDepth} levels of JSON nesting (flatten the value or send a reference instead)`,
    );
  }
  const text = JSON.stringify(value);
  const size = Buffer.byteLength(text);
  if (limits.maxBytes && size > limits.maxBytes) {
    throw new ValueNotAcceptedError(
      `${what} is ${size} bytes of JSON; the limit is ${limits.maxBytes} (the orchestrator's NENC_MAX_PAYLOAD_BYTES; send a reference instead)`,
    );
  }
  return text;
}
