import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { Redis } from "ioredis";

const SCRIPT_DIR = new URL("./scripts/", import.meta.url);

/** A Lua script: its source with includes resolved, its key count and SHA1. */
interface Script {
  name: string;
  keys: number;
  source: string;
  sha: string;
}

/**
 * The Lua scripts under scripts/, one per multi-key state change, named
 * `<name>-<number of keys>.lua` (at least one) with a header documenting KEYS and ARGV. A line
 * `--- @include "base"` pulls in scripts/includes/base.lua. Scripts run by EVALSHA
 * and are loaded again on NOSCRIPT (a Redis restart or SCRIPT FLUSH).
 */
export class Scripts {
  private readonly scripts = new Map<string, Script>();

  constructor() {
    for (const file of readdirSync(SCRIPT_DIR)) {
      const match = file.match(/^(.+)-(\d+)\.lua$/);
      if (!match) continue;
      const source = resolveIncludes(readFileSync(new URL(file, SCRIPT_DIR), "utf8"));
      const name = match[1] as string;
      // Redis Cluster routes a script call by its declared keys: a script with none could run anywhere.
      if (match[2] === "0") throw new Error(`script ${file} must declare at least one key (see keys.ts)`);
      this.scripts.set(name, {
        name,
        keys: Number(match[2]),
        source,
        sha: createHash("sha1").update(source).digest("hex"),
      });
    }
  }

  /** Runs a script; `keys` must have the length its file name declares. */
  async run(
    redis: Redis,
    name: string,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`no Lua script named ${name}`);
    if (keys.length !== script.keys)
      throw new Error(`script ${name} takes ${script.keys} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(script.sha, script.keys, ...keys, ...args);
    } catch (error) {
      if (!String(error).includes("NOSCRIPT")) throw error;
      return redis.eval(script.source, script.keys, ...keys, ...args);
    }
  }

  /** Loads every script (at start-up, so the first calls do not pay for it). */
  async load(redis: Redis): Promise<void> {
    await Promise.all([...this.scripts.values()].map((script) => redis.script("LOAD", script.source)));
  }
}

function resolveIncludes(source: string): string {
  return source.replace(/^--- @include "([\w-]+)"$/gm, (_, name: string) =>
    readFileSync(new URL(`includes/${name}.lua`, SCRIPT_DIR), "utf8"),
  );
}
