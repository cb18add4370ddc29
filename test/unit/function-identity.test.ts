/**
 * Function identity (docs/design.md §3.7): stable across the app's processes, and never the same
 * for two functions — closures over different values are two functions.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { makeOverFilter } from "../fixtures/closures.js";

const run = promisify(execFile);
const MODULE_TIERS = new Map([["gold", 1]]);
let app: Nenc;

afterEach(async () => {
  await app?.close();
});

/** The identities the app holds after declaring one trigger per filter. */
function identitiesOf(...filters: Array<(args: JsonObject) => boolean>): string[] {
  app = new Nenc({ url: "http://127.0.0.1:9", appId: "identity" });
  for (const [index, filter] of filters.entries()) {
    app.task(`t${index}`, async () => null, {
      triggers: new TriggerBuilder().onSuccess("source", { callArguments: filter }),
    });
  }
  return app.functions.ids();
}

describe("function identity", () => {
  it("tells closures over different values apart and gives equal closures one identity", () => {
    const ids = identitiesOf(makeOverFilter(10), makeOverFilter(1000), makeOverFilter(10));
    expect(ids).toHaveLength(2);
    expect(ids.every((id) => id.startsWith("overThreshold#"))).toBe(true);
  });

  it("is the same in every process for the same captured value, and differs for another", async () => {
    // Each process of an app runs the same build: compare processes started alike.
    const inProcess = async (threshold: number): Promise<string[]> =>
      JSON.parse(
        (
          await run(
            process.execPath,
            ["--import", "tsx", "test/fixtures/closure-identities.ts", String(threshold)],
            {
              encoding: "utf8",
            },
          )
        ).stdout,
      );
    const [first, second, other] = await Promise.all([inProcess(10), inProcess(10), inProcess(11)]);
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
    expect(other).toHaveLength(1);
    expect(other).not.toEqual(first);
  });

  it("identifies a captured function by its own source and captures", () => {
    const withHelper = (helper: (n: number) => number) =>
      function usesHelper(args: JsonObject): boolean {
        return helper(Number(args.n)) > 0;
      };
    const ids = identitiesOf(
      withHelper((n) => n - 1),
      withHelper((n) => n + 1),
      withHelper((n) => n - 1),
    );
    expect(ids).toHaveLength(2);
  });

  it("refuses a closure over a value that cannot be compared across processes, naming it", () => {
    const lookup = new Map([["vip", true]]);
    function isListed(args: JsonObject): boolean {
      return lookup.has(String(args.tier));
    }
    expect(() => identitiesOf(isListed)).toThrow(
      /function "isListed" captures `lookup` \(a Map\) from the function that created it/,
    );
    const config = { limit: 5, format: (n: number) => `${n}` };
    function isOverLimit(args: JsonObject): boolean {
      return config.format(Number(args.n)).length > config.limit;
    }
    expect(() => identitiesOf(isOverLimit)).toThrow(
      /function "isOverLimit" captures `config` \(an object holding a function\)/,
    );
  });

  it("ignores module-level bindings and variables of the enclosing scope the function does not use", () => {
    const unused = new Map<string, number>();
    unused.set("keeps the scope's context alive", 1);
    const usesUnused = () => unused.size;
    // Uses a module-level Map: refused if it were taken for a capture.
    function listedAtModuleLevel(args: JsonObject): boolean {
      return MODULE_TIERS.has(String(args.tier));
    }
    expect(usesUnused()).toBe(1);
    expect(identitiesOf(listedAtModuleLevel)).toHaveLength(1);
  });
});
