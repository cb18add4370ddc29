import { exceedsDepth, MAX_JSON_DEPTH } from "@nenc/protocol/limits";
import { NencError, quote } from "../domain/errors.js";
import { findNonJson, isJsonObject, type JsonObject, type JsonValue } from "../domain/json.js";

const NAME = /^[A-Za-z0-9_.:\-/@]+$/;

/** Checks an id-like name (task id, event code, app id); throws INVALID_ARGUMENT naming `field`. */
export function requireName(value: string, field: string, what: string): string {
  if (!value) throw NencError.invalid(field, `is required: the ${what}`);
  if (value.length > 200) throw NencError.invalid(field, `is ${value.length} characters long; at most 200`);
  if (!NAME.test(value)) {
    throw NencError.invalid(field, `${quote(value)} may use letters, digits and _ . : - / @ only`);
  }
  return value;
}

/** Durations a definition may hold (AND windows, cron catch-up, retry backoffs): 7 days. */
export const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;

/** Refuses a duration outside 0..MAX_DURATION_MS, naming the field, the range and what 0 means. */
export function requireDuration(value: number, field: string, zeroMeans: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_DURATION_MS) {
    throw NencError.invalid(
      field,
      `is ${value}; give milliseconds from 0 (${zeroMeans}) to ${MAX_DURATION_MS} (7 days)`,
    );
  }
}

/** Checks that `value` is a JSON object of at most `maxBytes` once serialised. */
export function requireJsonObject(value: unknown, field: string, maxBytes: number): JsonObject {
  if (!isJsonObject(value)) {
    throw NencError.invalid(field, `must be a JSON object such as {"key": "value"}, got ${describe(value)}`);
  }
  requireJson(value, field, maxBytes);
  return value;
}

/** Checks that `value` is plain JSON, at most MAX_JSON_DEPTH deep and `maxBytes` large. */
export function requireJson(value: unknown, field: string, maxBytes: number): JsonValue {
  requireDepth(value, field);
  const bad = findNonJson(value);
  if (bad) throw NencError.invalid(field, `is not JSON-serialisable at ${bad}`);
  requireSize(value, field, maxBytes);
  return value as JsonValue;
}

/** Refuses values nested deeper than MAX_JSON_DEPTH (RESOURCE_EXHAUSTED: a limit, not a malformed value). */
export function requireDepth(value: unknown, field: string): void {
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    throw new NencError(
      "RESOURCE_EXHAUSTED",
      `is nested more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH} levels of JSON nesting (flatten the value or send a reference instead)`,
      field,
    );
  }
}

/** Refuses values larger than `maxBytes` of JSON. */
export function requireSize(value: unknown, field: string, maxBytes: number): void {
  const size = Buffer.byteLength(JSON.stringify(value) ?? "");
  if (size > maxBytes) {
    throw new NencError(
      "RESOURCE_EXHAUSTED",
      `is ${size} bytes of JSON; the limit is ${maxBytes} (raise NENC_MAX_PAYLOAD_BYTES or send a reference instead)`,
      field,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
