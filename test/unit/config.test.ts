import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readEnvironment } from "../../src/cli/config.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { DEFAULT_RETENTION, resolveRetention } from "../../src/store/retention.js";

describe("environment configuration", () => {
  it("reads the retention settings, NENC_RETENTION_MARKER_MS included", () => {
    const config = readEnvironment({
      NENC_RETENTION_INVOCATIONS: "500",
      NENC_RETENTION_MARKER_MS: "86400000",
      NENC_RECLAIM_AFTER_MS: "5000",
    });
    expect(config.retention).toEqual({ maxFinishedInvocations: 500, markerRetentionMs: 86_400_000 });
    expect(config.reclaimAfterMs).toBe(5000);
    expect(readEnvironment({}).retention).toEqual({});
  });

  it("refuses a value that is not a non-negative number, naming the variable", () => {
    expect(() => readEnvironment({ NENC_RETENTION_MARKER_MS: "a week" })).toThrow(
      'NENC_RETENTION_MARKER_MS: "a week" is not a non-negative number',
    );
  });

  it("refuses markers that would expire before the events they guard, naming both settings", () => {
    const tooShort = { markerRetentionMs: 60_000, eventRetentionMs: 120_000 };
    const message =
      "retention: markerRetentionMs (NENC_RETENTION_MARKER_MS, 60000 ms) must be at least eventRetentionMs (NENC_RETENTION_EVENT_MS, 120000 ms)";
    expect(() => resolveRetention(tooShort)).toThrow(message);
    expect(() => new MemoryStore({ retention: tooShort })).toThrow(message);
    expect(resolveRetention({ markerRetentionMs: 120_000, eventRetentionMs: 120_000 })).toEqual({
      ...DEFAULT_RETENTION,
      markerRetentionMs: 120_000,
      eventRetentionMs: 120_000,
    });
  });

  it("reads NENC_CRON_TAKEOVER_MS, and refuses a takeover delay not under the cron grace, naming both", async () => {
    expect(readEnvironment({ NENC_CRON_TAKEOVER_MS: "800" }).orchestrator).toEqual({ cronTakeoverMs: 800 });
    const message =
      "cronTakeoverMs (NENC_CRON_TAKEOVER_MS, 5000 ms) must be less than cronGraceMs (NENC_CRON_GRACE_MS, 5000 ms)";
    await expect(Orchestrator.start(new MemoryStore(), { cronTakeoverMs: 5_000 })).rejects.toThrow(message);
  });

  it("reads the response and watch limits", () => {
    expect(
      readEnvironment({
        NENC_MAX_RESPONSE_BYTES: "1048576",
        NENC_MAX_WATCH_STREAMS: "50",
        NENC_MAX_WATCH_STREAMS_PER_CONNECTION: "5",
        NENC_MAX_SESSION_WAITS: "200",
        NENC_MAX_SESSION_WAITS_PER_CONNECTION: "20",
      }).orchestrator,
    ).toEqual({
      maxResponseBytes: 1_048_576,
      maxWatchStreams: 50,
      maxWatchStreamsPerConnection: 5,
      maxSessionWaits: 200,
      maxSessionWaitsPerConnection: 20,
    });
  });

  it("reads NENC_CEL_MAX_STEPS into the orchestrator, and refuses a limit that is not a whole number of steps", async () => {
    expect(readEnvironment({ NENC_CEL_MAX_STEPS: "5000" }).orchestrator).toEqual({ celMaxSteps: 5000 });
    await expect(Orchestrator.start(new MemoryStore(), { celMaxSteps: 0.5 })).rejects.toThrow(
      "celMaxSteps: is 0.5 (NENC_CEL_MAX_STEPS); give a whole number of steps, at least 1 (default 100000)",
    );
  });

  it("the README's configuration table names every environment variable nenc and its SDKs read", () => {
    const files = execFileSync("git", ["ls-files", "src", "sdk/typescript/src", "sdk/python/src"], {
      encoding: "utf8",
    })
      .split("\n")
      .filter((file) => /\.(ts|py)$/.test(file) && !file.includes("/gen/") && !file.includes("/v1/"));
    const read = new Set<string>();
    for (const file of files) {
      // process.env.NENC_X, os.environ.get("NENC_X"), or a name in a settings table.
      for (const match of readFileSync(file, "utf8").matchAll(/(?:env\.|["'])(NENC_[A-Z_]+)/g))
        read.add(match[1] as string);
    }
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(
      readme.indexOf("**Configuration**"),
      readme.indexOf("Acknowledged occurrences"),
    );
    const listed = new Set<string>();
    // "`NENC_A` / `_B`" lists NENC_A and NENC_A_B.
    for (const [, name, suffix] of table.matchAll(/`(NENC_[A-Z_]+)`(?: \/ `(_[A-Z_]+)`)?/g)) {
      listed.add(name as string);
      if (suffix) listed.add(`${name}${suffix}`);
    }
    expect(read.size).toBeGreaterThan(25);
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  });
});
