// Installs the npm dependencies when they are missing, so that the README's
// commands work on a fresh clone: `npm run demo` and `npm test` need nothing else.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync(new URL("../node_modules/.bin/tsx", import.meta.url))) {
  console.error("nenc: installing npm dependencies (npm ci)...");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit", cwd: new URL("..", import.meta.url) });
}

// The dashboard the orchestrator serves under /ui/ (`npm run build` and `npm test` rebuild it).
if (!existsSync(new URL("../dist/ui/index.html", import.meta.url))) {
  console.error("nenc: building the dashboard (vite)...");
  execSync("npx vite build --config dashboard/vite.config.ts", {
    stdio: "inherit",
    cwd: new URL("..", import.meta.url),
  });
}
