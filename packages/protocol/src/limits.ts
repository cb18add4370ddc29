/**
 * The deepest JSON nesting any value may have (arguments, payloads, results,
 * function answers, static trigger values): 64 levels, the target the SDKs and
 * every protobuf decoder on the way (2 to 3 decoder levels per JSON level) are set
 * up to carry with room to spare. Deeper data is better sent as a reference. A
 * worker learns the orchestrator's own limit from its welcome.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep the protobuf decoders (server, SDK, CLI) may recurse. protobuf-es counts
 * two levels per JSON level of a google.protobuf.Value, so this decodes values
 * about twice as deep as MAX_JSON_DEPTH: a value somewhat past the limit is still
 * read, then refused with an error naming the limit (a worker's attempt fails, the
 * stream carries on), while no message can recurse deep enough to exhaust the stack.
 */
export const DECODE_RECURSION_LIMIT = 4 * MAX_JSON_DEPTH + 32;

/**
 * True when `value` nests more than `maxDepth` levels: a scalar is 0 levels, `{}`
 * and `[1]` are 1, `{"a": {"b": 1}}` is 2. Stops looking past `maxDepth`, so a
 * hostile value costs no more than the limit.
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (maxDepth <= 0) return true;
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.some((item) => exceedsDepth(item, maxDepth - 1));
}
