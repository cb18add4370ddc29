import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";

/** Knobs of arbitraryMessage: how deep messages nest, and strings worth hitting more often. */
export interface MessageArbitraryOptions {
  maxDepth?: number;
  /** Ids that exist on the server under test (task ids, trigger ids...), mixed into every string. */
  knownStrings?: readonly string[];
}

const INT32 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 32 - 1));
const INT64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, -1n, 1n, 1000n, 2n ** 63n - 1n, -(2n ** 63n)),
);
const UINT64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 30_000n));
const DOUBLE = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308));

function stringArbitrary(known: readonly string[]): fc.Arbitrary<string> {
  const parts = [
    fc.string({ maxLength: 20 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom("", " ", "a".repeat(300), "../..", "x\u0000y", "* * * * * *", "{'a': 1}", "true"),
  ];
  return known.length > 0 ? fc.oneof(fc.constantFrom(...known), ...parts) : fc.oneof(...parts);
}

function scalarArbitrary(type: ScalarType, strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return strings;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.oneof(
        fc.uint8Array({ maxLength: 32 }),
        strings.map((text) => new TextEncoder().encode(text)),
        fc.jsonValue({ maxDepth: 3 }).map((json) => new TextEncoder().encode(JSON.stringify(json))),
      );
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return DOUBLE;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    default:
      return INT32;
  }
}

/**
 * Any message of `schema`, as an init object for `create`: every field, oneof and
 * enum of the schema (unknown enum numbers too), strings biased to `knownStrings`
 * and to awkward values, numbers to their edges, nesting to `maxDepth`.
 */
export function arbitraryMessage(
  schema: DescMessage,
  options: MessageArbitraryOptions = {},
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const strings = stringArbitrary(options.knownStrings ?? []);
  if (depth >= (options.maxDepth ?? 4)) return fc.constant({});
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of schema.members) {
    if (member.kind === "oneof") {
      const cases = member.fields.map((field) =>
        single(field, options, depth, strings).map((value) => ({ case: field.localName, value })),
      );
      entries[member.localName] = fc.oneof(fc.constant({ case: undefined }), ...cases);
    } else {
      entries[member.localName] = fieldArbitrary(member, options, depth, strings);
    }
  }
  return fc.record(entries, { requiredKeys: [] });
}

function single(
  field: DescField,
  options: MessageArbitraryOptions,
  depth: number,
  strings: fc.Arbitrary<string>,
): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalarArbitrary(field.scalar, strings);
    case "enum":
      return fc.oneof(
        fc.constantFrom(...field.enum.values.map((value) => value.number)),
        fc.integer({ min: -5, max: 99 }),
      );
    case "message":
      return arbitraryMessage(field.message, options, depth + 1);
    default:
      return fc.constant(undefined);
  }
}

function fieldArbitrary(
  field: DescField,
  options: MessageArbitraryOptions,
  depth: number,
  strings: fc.Arbitrary<string>,
): fc.Arbitrary<unknown> {
  if (field.fieldKind !== "list" && field.fieldKind !== "map") return single(field, options, depth, strings);
  // A list's element or a map's value: a scalar, an enum number (unknown ones too) or a message.
  const kind = field.fieldKind === "list" ? field.listKind : field.mapKind;
  const element =
    kind === "scalar"
      ? scalarArbitrary(field.scalar as ScalarType, strings)
      : kind === "enum"
        ? fc.integer({ min: -1, max: 9 })
        : arbitraryMessage(field.message as DescMessage, options, depth + 1);
  return field.fieldKind === "list"
    ? fc.array(element, { maxLength: 3 })
    : fc.dictionary(strings, element, { maxKeys: 3 });
}
