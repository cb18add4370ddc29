import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Every example runs on its own (in-process orchestrator) and exits 0 only when it saw what it expects. */
const examples = readdirSync("examples").filter((name) => name.endsWith(".ts"));

describe("examples", () => {
  it.each(examples)("%s runs green", async (name) => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${name}`], {
      env: { ...process.env, NENC_PORT: "0", DEMO_EXIT: "1", NENC_LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(stdout.length).toBeGreaterThan(0);
  });
});
