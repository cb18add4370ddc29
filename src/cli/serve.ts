import { parseArgs } from "node:util";
import { setLongTimeout } from "@nenc/protocol/timers";
import type { Logger } from "../domain/logger.js";
import { createJsonLogger } from "../logging.js";
import { type NencServer, type NencServerOptions, startNencServer } from "../main.js";
import { type StartedTracing, startTracing } from "../telemetry/otel.js";
import type { ServerTls } from "../transport/listener.js";
import { readEnvironment } from "./config.js";
import { readServerTls, type TlsFiles } from "./tls-files.js";
import { UsageError, usageError } from "./usage.js";

/** Past the drain limit, how long closing the port and the store may take before the process exits anyway. */
const EXIT_GRACE_MS = 5_000;

function parseServeArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: process.env.NENC_PORT ?? "7070" },
        host: { type: "string", default: process.env.NENC_HOST ?? "127.0.0.1" },
        "http-port": { type: "string", default: process.env.NENC_HTTP_PORT },
        "ui-read-only": {
          type: "boolean",
          default: isTrue(process.env.NENC_UI_READ_ONLY),
        },
        "tls-cert": { type: "string", default: process.env.NENC_TLS_CERT },
        "tls-key": { type: "string", default: process.env.NENC_TLS_KEY },
        "tls-client-ca": { type: "string", default: process.env.NENC_TLS_CLIENT_CA },
        "auth-tokens": { type: "string", default: process.env.NENC_AUTH_TOKENS_FILE || undefined },
        insecure: { type: "boolean", default: isTrue(process.env.NENC_INSECURE) },
        redis: { type: "string", default: process.env.NENC_REDIS_URL },
        "redis-prefix": { type: "string", default: process.env.NENC_REDIS_PREFIX },
      },
    });
  } catch (error) {
    throw usageError("serve", error);
  }
}

function isTrue(value: string | undefined): boolean {
  return value === "1" || value === "true";
}

/**
 * Safe by default (docs/design.md §6): without tokens, only loopback. As Redis's
 * protected mode does, a wider bind without them refuses to start unless told it
 * is meant (--insecure).
 */
function requireProtected(host: string, authTokens: string | undefined, insecure: boolean): void {
  if (authTokens || insecure || isLoopback(host)) return;
  throw new UsageError(
    `--host ${host}: listening beyond loopback lets anyone who reaches the port invoke tasks and read results; give --auth-tokens FILE (create one with \`nenc token create --file FILE --scope admin\`), or --insecure if the network itself is trusted`,
  );
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function portNumber(flag: string, value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`${flag}: "${value}" is not a port number`);
  return port;
}

/** --http-port: a port, "off" for no side port (and no metrics), or unset for the default. */
function sideOptions(
  value: string | undefined,
  maxLabelValues: number | undefined,
  uiReadOnly: boolean,
): NencServerOptions["http"] {
  if (value === "off") return false;
  return {
    ...(value === undefined ? {} : { port: portNumber("--http-port", value) }),
    ...(maxLabelValues === undefined ? {} : { maxLabelValues }),
    uiReadOnly,
  };
}

/** `nenc serve`: runs until SIGTERM or SIGINT, then drains and exits. */
export async function serve(argv: string[]): Promise<void> {
  const { values } = parseServeArgs(argv);
  const port = portNumber("--port", values.port);
  requireProtected(values.host, values["auth-tokens"], values.insecure);
  const logger = createJsonLogger();
  const config = readEnvironment();
  const tlsFiles = { cert: values["tls-cert"], key: values["tls-key"], clientCa: values["tls-client-ca"] };
  const tls = readServerTls(tlsFiles);
  const traces = await startTracing(logger);
  const server = await startNencServer({
    ...(tls ? { tls } : {}),
    ...(values["auth-tokens"]
      ? { authTokensFile: values["auth-tokens"], tokenLimits: config.tokenLimits }
      : {}),
    port,
    host: values.host,
    http: sideOptions(values["http-port"], config.maxLabelValues, values["ui-read-only"]),
    logger,
    orchestrator: { ...config.orchestrator, ...(traces ? { tracing: traces.tracing } : {}) },
    retention: config.retention,
    ...(config.reclaimAfterMs === undefined ? {} : { reclaimAfterMs: config.reclaimAfterMs }),
    ...(values.redis ? { redisUrl: values.redis } : {}),
    ...(values["redis-prefix"] ? { redisPrefix: values["redis-prefix"] } : {}),
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    const busy = (error as { port?: number }).port ?? port;
    throw new Error(
      busy === port
        ? `port ${port} is in use; pass --port or set NENC_PORT`
        : `HTTP side port ${busy} is in use; pass --http-port or set NENC_HTTP_PORT ("off" for none)`,
    );
  });
  // The lines tools wait for (docs/design.md §1.1): the side port's first, "listening" last.
  if (server.httpUrl) {
    console.log(`nenc metrics ${server.httpUrl}/metrics`);
    console.log(`nenc dashboard ${server.httpUrl}/ui/`);
  }
  console.log(`nenc listening on ${server.url} (store: ${server.orchestrator.store.description})`);
  stopOnSignals(server, logger, traces);
  reloadOnSighup(server, logger, tls ? tlsFiles : undefined);
}

/**
 * SIGHUP: read the tokens file and the certificate files again; new connections
 * use the certificates, open streams go on.
 */
function reloadOnSighup(server: NencServer, logger: Logger, files: TlsFiles | undefined): void {
  process.on("SIGHUP", () => {
    server.reloadTokens();
    if (!files) return;
    try {
      server.reloadTls(readServerTls(files) as ServerTls);
      logger.info("TLS certificates reloaded", { cert: files.cert });
    } catch (error) {
      logger.error("TLS certificates not reloaded; the previous ones stay in use", { error: String(error) });
    }
  });
}

/** SIGTERM or SIGINT: drain, flush the spans, exit; bounded by the drain limit and a grace. */
function stopOnSignals(server: NencServer, logger: Logger, traces: StartedTracing | undefined): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // The orchestrator bounds its drain; this bounds the rest (closing the port, a store that hangs).
    setLongTimeout(
      server.orchestrator.options.drainTimeoutMs + EXIT_GRACE_MS,
      () => {
        logger.error("shutdown exceeded the drain limit; exiting", {
          drainTimeoutMs: server.orchestrator.options.drainTimeoutMs,
        });
        process.exit(1);
      },
      { unref: true },
    );
    server
      .stop()
      .then(() => traces?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error("shutdown failed", { error: String(error) });
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
