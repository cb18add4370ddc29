import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { Redis } from "ioredis";

const SCRIPT_DIR = new URL("./scripts/", import.meta.url);

/** Drawn once per process: request ids of different processes never collide. */
const REQUEST_PREFIX = randomBytes(9).toString("base64url");
let requestCount = 0;

/** A request id new for every call (see includes/request.lua): this process's prefix and a counter. */
function nextRequestId(): string {
  requestCount++;
  return `${REQUEST_PREFIX}${requestCount.toString(36)}`;
}

/** A Lua script: its source with includes resolved, its key count and SHA1. */
interface Script {
  name: string;
  keys: number;
  source: string;
  sha: string;
  /** It includes "once" or "request": each call gets a new request id as its last ARGV. */
  requestId: boolean;
}

/**
 * The Lua scripts under scripts/, one per multi-key state change, named
 * `<name>-<number of keys>.lua` (at least one) with a header documenting KEYS and ARGV. A line
 * `--- @include "base"` pulls in scripts/includes/base.lua. Scripts run by EVALSHA
 * and are loaded again on NOSCRIPT (a Redis restart or SCRIPT FLUSH).
 *
 * Every script must be safe to run twice with the same KEYS and ARGV. ioredis re-sends
 * the commands still waiting for a reply when a connection drops
 * (autoResendUnfulfilledCommands; the store never gives up on a command), so a script
 * that ran but whose reply was lost runs again, later, after other commands. A second
 * run must change nothing and answer as the first did, at least where the caller acts
 * on the answer. Each script says how in its header:
 * - it finds its own earlier work: an invocation or event id is new for every call, so
 *   creating one that exists means a re-run (createInvocations, fireTrigger,
 *   appendEvent); markStarted finds the start it recorded; settleOccurrences finds
 *   its entries acknowledged;
 * - it includes "request" (scripts/includes/request.lua): `run` appends a request id,
 *   new for every call, as the last ARGV, and the script records it in the
 *   invocation hashes it changes: finishAttempts in each invocation it finishes (the
 *   id and the result's place in the call), each claim (claimWork, finishAttempts'
 *   refills) in every invocation it assigns. A re-run
 *   that finds it answers as the first run did (applied; the worker's held
 *   assignments carrying it) and claims nothing more. Nothing is kept per call, so
 *   the hot path leaves no keys behind, and a re-send after however long an outage
 *   is still recognised (unless the batch it claimed ended or was released since);
 * - it includes "once" (scripts/includes/once.lua): the request id as above, and the
 *   script remembers its reply under it for a minute (req:<id> in keys.ts):
 *   connectWorker, advanceCron, fireCron, deferEvaluation, openDataSet, and the app and
 *   trigger changes, which are rare next to claims and results;
 * - its second run is harmless by nature: joinCommit finds its marker ("replayed"),
 *   renewWorkerLease sets the same deadline, announceReplica keeps the newer
 *   announcement, the releases, retries and releaseConsumer find their work done
 *   (their replies only feed log lines), keepClaimed restarts the same idle times
 *   again, and the entries a lost reclaimIdle reply carried are reclaimed again once idle.
 * The "once" memory is short to keep Redis small: a re-send of those scripts more
 * than a minute after the first run (a connection down that long) runs as a new call.
 */
export class Scripts {
  private readonly scripts = new Map<string, Script>();

  constructor() {
    for (const file of readdirSync(SCRIPT_DIR)) {
      const match = file.match(/^(.+)-(\d+)\.lua$/);
      if (!match) continue;
      const raw = readFileSync(new URL(file, SCRIPT_DIR), "utf8");
      const source = resolveIncludes(raw);
      const name = match[1] as string;
      // Redis Cluster routes a script call by its declared keys: a script with none could run anywhere.
      if (match[2] === "0") throw new Error(`script ${file} must declare at least one key (see keys.ts)`);
      this.scripts.set(name, {
        name,
        keys: Number(match[2]),
        source,
        sha: createHash("sha1").update(source).digest("hex"),
        requestId: /^--- @include "(once|request)"$/m.test(raw),
      });
    }
  }

  /**
   * Runs a script; `keys` must have the length its file name declares. A script that
   * includes "once" or "request" gets a new request id after `args`: a re-send of
   * this call by ioredis carries the same one, which is how the script recognises it.
   */
  async run(
    redis: Redis,
    name: string,
    keys: readonly string[],
    callArgs: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`no Lua script named ${name}`);
    if (keys.length !== script.keys)
      throw new Error(`script ${name} takes ${script.keys} keys, got ${keys.length}`);
    const args = script.requestId ? [...callArgs, nextRequestId()] : callArgs;
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
