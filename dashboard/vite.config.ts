import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The dashboard's build (`npm run build`, `npm test`): served by the orchestrator
 * under /ui/ from dist/ui (see src/transport/dashboard.ts); no CDN, every asset local.
 */
export default defineConfig({
  root: here("."),
  base: "/ui/",
  resolve: {
    // The wire's generated code from its sources, as the rest of the repository resolves it.
    alias: [
      { find: /^@nenc\/protocol\/(.+?)(\.js)?$/, replacement: `${here("../packages/protocol/src")}/$1.ts` },
    ],
  },
  build: {
    outDir: here("../dist/ui"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  logLevel: "warn",
});
