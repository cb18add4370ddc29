import type { UserConfig } from "tsdown";

/**
 * How @nenc/protocol and @nenc/sdk are built (each package's tsdown.config.ts): ESM
 * and CommonJS with their declarations, one output file per source, for Node 20.
 */
export function libraryBuild(entry: string[]): UserConfig {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    unbundle: true,
    platform: "node",
    target: "node20",
    outDir: "dist",
    clean: true,
  };
}
