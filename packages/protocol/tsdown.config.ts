import { defineConfig } from "tsdown";
import { libraryBuild } from "../../tsdown.shared.ts";

/** @nenc/protocol as published (see package.json exports): every source, generated code included. */
export default defineConfig(libraryBuild(["src/**/*.ts"]));
