import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeHandler } from "./listener.js";

/** Where `npm run build` puts the dashboard: dist/ui beside the compiled orchestrator, or the repository's. */
const CANDIDATE_DIRS = ["../ui", "../../dist/ui"].map((relative) =>
  fileURLToPath(new URL(`${relative}/`, import.meta.url)),
);

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

export interface DashboardOptions {
  /** Hide (and, on the side port, refuse) every action: pause, resume, delete, emit, replay. */
  readOnly: boolean;
  /** The orchestrator checks tokens: the dashboard asks for one before it reads anything. */
  auth?: boolean;
  /** The built dashboard; default: the first of CANDIDATE_DIRS that holds index.html. */
  dir?: string;
}

/** The directory holding the built dashboard, if there is one. */
export function dashboardDir(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => existsSync(join(dir, "index.html")));
}

/**
 * Serves the dashboard (docs/design.md §5) under /ui/: its assets from the build,
 * /ui/config.json (what the app needs to know of the server), and index.html for
 * every other /ui/... path, so that each page's address works when typed or reloaded.
 */
export function createDashboardHandler(options: DashboardOptions): NodeHandler {
  const dir = options.dir ?? dashboardDir();
  const config = JSON.stringify({ readOnly: options.readOnly, auth: options.auth ?? false });
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = decodedPath(request.url ?? "/ui/");
    if (path === undefined) {
      response.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("malformed path\n");
      return;
    }
    if (path === "/ui/config.json") {
      response
        .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
        .end(config);
      return;
    }
    if (!dir) {
      response
        .writeHead(503, { "content-type": "text/plain; charset=utf-8" })
        .end("the dashboard is not built: run `npm run build` (or `npm test`, which builds it)\n");
      return;
    }
    const asset = assetPath(dir, path);
    if (asset) {
      const immutable = path.startsWith("/ui/assets/");
      response.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(asset)] ?? "application/octet-stream",
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      });
      response.end(readFileSync(asset));
      return;
    }
    response
      .writeHead(200, { "content-type": CONTENT_TYPES[".html"] as string, "cache-control": "no-cache" })
      .end(readFileSync(join(dir, "index.html")));
  };
}

/** The request's path, percent-decoded; undefined when it does not decode (a malformed escape). */
function decodedPath(url: string): string | undefined {
  try {
    return decodeURIComponent(url.split("?", 1)[0] as string);
  } catch {
    return undefined;
  }
}

/** The file a /ui/... path names inside `dir`, if it is one (never outside `dir`). */
function assetPath(dir: string, path: string): string | undefined {
  const relative = normalize(path.slice("/ui/".length));
  if (!relative || relative.startsWith("..") || relative.includes(`${sep}..`)) return undefined;
  const file = join(dir, relative);
  if (!file.startsWith(dir)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}
