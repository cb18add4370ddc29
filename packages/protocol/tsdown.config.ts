import { defineConfig } from "tsdown";

/** @nenc/protocol as published: ESM and CommonJS with their declarations, one output file per source (see package.json exports). */
export default defineConfig({
  entry: ["src/**/*.ts"],
  format: ["esm", "cjs"],
  dts: true,
  unbundle: true,
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
});
