import { parseArgs } from "node:util";
import { setLongTimeout } from "@nenc/protocol/timers";
import { createJsonLogger } from "../logging.js";
import { startNencServer } from "../main.js";
import { readEnvironment } from "./config.js";
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
        redis: { type: "string", default: process.env.NENC_REDIS_URL },
        "redis-prefix": { type: "string", default: process.env.NENC_REDIS_PREFIX },
      },
    });
  } catch (error) {
    throw usageError("serve", error);
  }
}

/** `nenc serve`: runs until SIGTERM or SIGINT, then drains and exits. */
export async function serve(argv: string[]): Promise<void> {
  const { values } = parseServeArgs(argv);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: "${values.port}" is not a port number`);
  const logger = createJsonLogger();
  const config = readEnvironment();
  const server = await startNencServer({
    port,
    host: values.host,
    logger,
    orchestrator: config.orchestrator,
    retention: config.retention,
    ...(config.reclaimAfterMs === undefined ? {} : { reclaimAfterMs: config.reclaimAfterMs }),
    ...(values.redis ? { redisUrl: values.redis } : {}),
    ...(values["redis-prefix"] ? { redisPrefix: values["redis-prefix"] } : {}),
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    throw new Error(`port ${port} is in use; pass --port or set NENC_PORT`);
  });
  // The line tools wait for (docs/design.md §1.1).
  console.log(`nenc listening on ${server.url} (store: ${server.orchestrator.store.description})`);
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
    server.stop().then(
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
