/**
 * Property-based tests of the JSON and proto ↔ domain mapping (issue 15 item 6):
 * whatever a client sends, each mapping answers the JSON it means or a NencError
 * naming the field, never another exception, and what it accepts survives the way
 * back unchanged.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { jsonToValue } from "@nenc/protocol";
import { TriggerSchema } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NencError } from "../../src/domain/errors.js";
import {
  triggerDefinitionFromProto,
  triggerToProto,
  valueToJson,
  wireValueToJson,
} from "../../src/transport/convert-trigger.js";
import { arbitraryMessage } from "../support/arbitrary-message.js";
import { fuzzRuns } from "../support/fuzz.js";

/** `call`'s value, or the NencError it threw; anything else thrown fails the property. */
function outcome<T>(call: () => T): { value: T } | { refused: NencError } {
  try {
    return { value: call() };
  } catch (error) {
    if (error instanceof NencError) return { refused: error };
    throw error;
  }
}

/** Whether `value` is JSON as the domain holds it: no NaN, Infinity, undefined or class instances. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === "boolean" || typeof value === "string") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as object).every(isPlainJson);
}

const normalized = (json: unknown) => JSON.parse(JSON.stringify(json)) as unknown;

describe("the JSON and proto mapping, fuzzed", () => {
  it("any JSON value survives JSON → google.protobuf.Value → wire bytes → JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (json) => {
        const wire = fromBinary(ValueSchema, toBinary(ValueSchema, jsonToValue(json as never)));
        const result = outcome(() => valueToJson(wire, "value"));
        expect("value" in result && normalized(result.value)).toEqual(normalized(json));
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it("any google.protobuf.Value, however malformed, is JSON or INVALID_ARGUMENT naming the field", () => {
    fc.assert(
      fc.property(arbitraryMessage(ValueSchema, { maxDepth: 5 }), (init) => {
        const result = outcome(() => valueToJson(create(ValueSchema, init as never), "arguments"));
        if ("refused" in result) {
          expect(result.refused.code).toBe("INVALID_ARGUMENT");
          expect(result.refused.message).toMatch(/^arguments: /);
        } else expect(isPlainJson(result.value)).toBe(true);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it("any bytes on the worker stream are JSON or INVALID_ARGUMENT naming the field", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue().map((json) => new TextEncoder().encode(JSON.stringify(json))),
      fc.string().map((text) => new TextEncoder().encode(text)),
    );
    fc.assert(
      fc.property(bytes, (json) => {
        const result = outcome(() => wireValueToJson(json, undefined, "result"));
        if ("refused" in result) expect(result.refused.message).toMatch(/^result: is not JSON text/);
        else if (json.length === 0) expect(result.value).toBeNull();
        else expect(result.value).toEqual(JSON.parse(new TextDecoder().decode(json)));
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it("any Trigger message is a definition or a NencError; an accepted one maps back to itself", () => {
    const known = ["shop.order", "ship", "paid", "* * * * *", "result.ok == true", "f"];
    fc.assert(
      fc.property(arbitraryMessage(TriggerSchema, { maxDepth: 5, knownStrings: known }), (init) => {
        const message = create(TriggerSchema, init as never);
        const first = outcome(() => triggerDefinitionFromProto(message));
        if ("refused" in first) return;
        const stored = { ...first.value, id: "t1", origin: "runtime" as const, paused: false, createdAt: 0 };
        expect(triggerDefinitionFromProto(triggerToProto(stored))).toEqual(first.value);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
