import { allows, NEED_READ } from "../auth/scopes.js";
import type { Logger } from "../domain/logger.js";
import type { Authenticator } from "./access.js";
import type { Audit } from "./audit.js";
import {
  type Listener,
  listen,
  listenSecure,
  type NodeHandler,
  type SecureListener,
  type ServerTls,
} from "./listener.js";

/** What GET /metrics answers (the Prometheus registry of this replica). */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

export interface SidePortOptions {
  port: number;
  host: string;
  logger: Logger;
  metrics: MetricsSource;
  /** The Connect routes, for the dashboard's own calls (JSON over HTTP/1.1). */
  connect: NodeHandler;
  /** Answers every /ui/... path (the dashboard); absent: those are not found. */
  ui?: NodeHandler;
  /** Only reading calls (Get*, List*, Explain*, health) pass to `connect` (`--ui-read-only`). */
  readOnly?: boolean;
  /** TLS, as on the gRPC port (absent: cleartext). */
  tls?: ServerTls;
  /** With tokens, /metrics needs one with read (or admin); the Connect calls check their own. */
  authenticator?: Authenticator;
  audit?: Audit;
}

/** The calls a read-only side port lets through: they change nothing. */
const READING_CALL = /^\/[\w.]+\/(Get|List|Explain|Check)\w*$/;

/**
 * Whether the caller may read /metrics; if not, answers 401 (no valid token) or
 * 403 (a token without read) naming what is needed.
 */
function mayScrape(
  options: SidePortOptions,
  header: string | undefined,
  response: Parameters<NodeHandler>[1],
): boolean {
  if (!options.authenticator) return true;
  const outcome = options.authenticator.authenticate(header);
  const deny = (
    status: number,
    code: "UNAUTHENTICATED" | "PERMISSION_DENIED",
    why: string,
    token?: string,
  ) => {
    options.audit?.denied("GET /metrics", code, why, token);
    response
      .writeHead(status, { "content-type": "text/plain", "www-authenticate": "Bearer" })
      .end(`/metrics ${why}: send "authorization: Bearer <token>" with a token of scope read or admin\n`);
    return false;
  };
  if ("refused" in outcome) return deny(401, "UNAUTHENTICATED", outcome.refused.reason, outcome.refused.name);
  if (allows(outcome.principal, NEED_READ)) return true;
  return deny(403, "PERMISSION_DENIED", "needs scope admin or read", outcome.principal.name);
}

/** The side port, listening: its port, URL and close (and reload, with TLS). */
export type RunningSidePort = Listener | SecureListener;

/**
 * The HTTP side port (docs/design.md §5): /metrics, the dashboard under /ui/, and
 * the Connect protocol for the dashboard's calls. Apart from the gRPC port so that
 * a scraper or a browser never competes with workers for that port's connections.
 */
export async function startSidePort(options: SidePortOptions): Promise<RunningSidePort> {
  const { metrics, connect, ui, logger } = options;
  const handler: NodeHandler = (request, response) => {
    const path = (request.url ?? "/").split("?", 1)[0] as string;
    if (path === "/metrics") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (!mayScrape(options, request.headers.authorization, response)) return;
      metrics.render().then(
        ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
        (error: unknown) => {
          logger.error("rendering the metrics failed", { error: String(error) });
          response.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable; see the log\n");
        },
      );
      return;
    }
    if (ui && (path === "/ui" || path.startsWith("/ui/"))) return ui(request, response);
    if (options.readOnly && !READING_CALL.test(path)) {
      // A Connect error body, so that the dashboard and any Connect client read it as one.
      response.writeHead(403, { "content-type": "application/json" }).end(
        JSON.stringify({
          code: "permission_denied",
          message: `${path.slice(1)} changes state, and this side port is read-only (--ui-read-only); use the gRPC port`,
        }),
      );
      return;
    }
    connect(request, response);
  };
  return options.tls
    ? listenSecure(handler, options.port, options.host, options.tls)
    : listen(handler, options.port, options.host);
}
