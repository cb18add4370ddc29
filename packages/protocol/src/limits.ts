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
