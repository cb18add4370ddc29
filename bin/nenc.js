#!/usr/bin/env node
// The `nenc` command. Installed, it runs the compiled dist/. In its repository (the
// TypeScript sources beside it) it runs them through tsx, with the repository's
// tsconfig.json, so that its packages resolve to their sources too.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const sources = new URL("../src/cli.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
  await import(sources.href);
} else {
  await import("../dist/cli.js");
}
