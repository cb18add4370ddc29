import { fromJson, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { DECODE_RECURSION_LIMIT } from "./limits.js";

/** A JSON value as it travels between SDKs, the orchestrator and the store. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object: the shape of task arguments and event payloads. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * JSON of a google.protobuf.Value (absent = null). Throws a protobuf-es error for a
 * Value JSON cannot carry (NaN, Infinity, a Value with no kind set).
 */
export function valueToJson(value: Value | undefined): JsonValue {
  return value ? (toJson(ValueSchema, value) as JsonValue) : null;
}

/**
 * A google.protobuf.Value of JSON. protobuf-es counts one level per JSON level here,
 * so anything the decoders accept (DECODE_RECURSION_LIMIT) converts.
 */
export function jsonToValue(json: JsonValue): Value {
  return fromJson(ValueSchema, json, { recursionLimit: DECODE_RECURSION_LIMIT });
}
