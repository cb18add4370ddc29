/** A JSON value: what task arguments, results and event payloads are made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

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

/** Drops `undefined` object members (JSON.stringify would) and checks the rest is JSON. */
export function toJson(value: unknown, what: string): JsonValue {
  if (value === undefined) return null;
  const bad = findNonJson(value);
  if (bad) throw new TypeError(`${what} is not JSON-serialisable at ${bad}`);
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
