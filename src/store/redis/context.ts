import type { ChainableCommander, Redis } from "ioredis";
import type { RetentionOptions } from "../retention.js";
import type { StatusWatch } from "../store.js";
import type { RedisKeys } from "./keys.js";

/** What the parts of the Redis store share: the connection, the key layout, the scripts. */
export interface RedisContext {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly retention: RetentionOptions;
  /** The transitions to log as occurrences (see Store.watchStatuses). */
  readonly watch: StatusWatch;
  /** Where scripts hand the occurrences they log (see takeLogged in scripts/includes/base.lua). */
  readonly handOut: HandOut;
  /** Runs a Lua script with the key base as ARGV[1] (see scripts.ts). */
  run(name: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

/**
 * The replica a store's scripts hand the occurrences they log to, at once (see
 * OccurrenceLog.onHandedOut): its consumer name, "" while none listens.
 */
export interface HandOut {
  readonly consumer: string;
  /** Log entries ({id, fields} pairs) a script handed to `consumer`. */
  accept(entries: ReadonlyArray<[id: string, fields: string[]]>): void;
}

/**
 * The replies of the commands `add` queues, sent as one pipeline (one write, one
 * round trip) instead of a command each; the first failed command throws.
 */
export async function pipelined(
  redis: Redis,
  add: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  const pipeline = redis.pipeline();
  add(pipeline);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
