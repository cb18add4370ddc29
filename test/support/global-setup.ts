import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { chromiumPath } from "./browser.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A Redis for the suites that need one ("" when none: they skip). */
    redisUrl: string;
  }
}

let redis: RedisServer | undefined;

/**
 * Starts one redis-server for the whole run (tests use unique key prefixes). With
 * NENC_REQUIRE_REDIS=1 (CI) a missing redis-server fails the run; otherwise the
 * Redis suites skip, loudly.
 */
export async function setup(project: TestProject): Promise<void> {
  process.env.NENC_LOG_LEVEL ??= "silent";
  // The dashboard the orchestrators serve, from its current sources (about a second).
  execFileSync("npx", ["vite", "build", "--config", "dashboard/vite.config.ts"], { stdio: "inherit" });
  checkBrowser();
  if (!hasRedisServer()) {
    if (process.env.NENC_REQUIRE_REDIS === "1")
      throw new Error("NENC_REQUIRE_REDIS=1 but redis-server is not on PATH");
    console.warn(
      "\n\x1b[33m*** redis-server is not on PATH: the Redis suites are SKIPPED. Install it (apt-get install redis-server) to run them. ***\x1b[0m\n",
    );
    project.provide("redisUrl", "");
    return;
  }
  redis = await startRedisServer();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

/** With NENC_REQUIRE_BROWSER=1 (CI) a missing Chromium fails the run; otherwise the browser suite skips, loudly. */
function checkBrowser(): void {
  if (chromiumPath()) return;
  if (process.env.NENC_REQUIRE_BROWSER === "1")
    throw new Error("NENC_REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium)");
  console.warn(
    "\n\x1b[33m*** Chromium is not installed: the dashboard's browser tests are SKIPPED. Install it (apt-get install chromium) to run them. ***\x1b[0m\n",
  );
}
