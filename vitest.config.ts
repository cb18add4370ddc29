import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The packages of this repository resolve to their sources, as tsconfig.json's "paths" say.
  resolve: {
    alias: [
      { find: /^@nenc\/protocol$/, replacement: here("./packages/protocol/src/index.ts") },
      { find: /^@nenc\/protocol\/(.+?)(\.js)?$/, replacement: `${here("./packages/protocol/src")}/$1.ts` },
      { find: /^@nenc\/sdk$/, replacement: here("./sdk/typescript/src/index.ts") },
      { find: /^nenc\/server$/, replacement: here("./src/main.ts") },
    ],
  },
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
