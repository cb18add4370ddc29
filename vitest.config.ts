import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "sdk/typescript/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: run two files at a time.
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
