import { defineConfig } from "tsdown";
import { libraryBuild } from "../../tsdown.shared.ts";

/** @nenc/sdk as published (see package.json exports): its entry and what it imports. */
export default defineConfig(libraryBuild(["src/index.ts"]));
