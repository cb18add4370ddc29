import { readFileSync } from "node:fs";

/** This orchestrator's version (the root package.json), read once. */
export const NENC_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
