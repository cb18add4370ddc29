import type { Logger } from "./domain/logger.js";
import { Orchestrator, type OrchestratorOptions } from "./engine/orchestrator.js";
import { createJsonLogger } from "./logging.js";
import { MemoryStore } from "./store/memory/memory-store.js";
import { RedisStore } from "./store/redis/redis-store.js";
import type { RetentionOptions } from "./store/retention.js";
import type { Store } from "./store/store.js";
import { type RunningServer, startServer } from "./transport/server.js";

export interface NencServerOptions {
  /** 0 = an ephemeral port. Default 7070. */
  port?: number;
  host?: string;
  /** A store to run on; default: Redis when `redisUrl` is set, else a new memory store. */
  store?: Store;
  /** redis://host:port — run on Redis (several replicas may share it). */
  redisUrl?: string;
  /** Key prefix in Redis (default "nenc"). */
  redisPrefix?: string;
  /**
   * Occurrences held unacknowledged this long (a crashed replica, an evaluation that
   * failed on a store error) are handed out again (default 30 s); on either store.
   */
  reclaimAfterMs?: number;
  retention?: Partial<RetentionOptions>;
  logger?: Logger;
  orchestrator?: Partial<Omit<OrchestratorOptions, "logger">>;
}

export interface NencServer {
  readonly url: string;
  readonly port: number;
  readonly orchestrator: Orchestrator;
  /** Drains (see Orchestrator.stop), then closes the port and the store. */
  stop(): Promise<void>;
}

/**
 * Starts an orchestrator and serves it: what `nenc serve` runs, and what examples
 * and tests embed.
 *
 * @example
 * const nenc = await startNencServer({ port: 0 });
 * process.env.NENC_URL = nenc.url;
 */
export async function startNencServer(options: NencServerOptions = {}): Promise<NencServer> {
  const logger = options.logger ?? createJsonLogger();
  const storeOptions = {
    ...(options.reclaimAfterMs === undefined ? {} : { reclaimAfterMs: options.reclaimAfterMs }),
    ...(options.retention ? { retention: options.retention } : {}),
  };
  const store =
    options.store ??
    (options.redisUrl
      ? await RedisStore.connect({
          url: options.redisUrl,
          ...(options.redisPrefix ? { prefix: options.redisPrefix } : {}),
          ...storeOptions,
          onConnectionError: (connection, error) =>
            logger.warn("redis connection error; commands wait for the reconnection", {
              connection,
              error: error.message,
            }),
          onMalformedEntry: (entry) =>
            logger.error("dropped a stream entry that could not be decoded", { ...entry }),
        })
      : new MemoryStore(storeOptions));
  const orchestrator = await Orchestrator.start(store, { ...options.orchestrator, logger });
  let server: RunningServer;
  try {
    server = await startServer(orchestrator, {
      port: options.port ?? 7070,
      host: options.host ?? "127.0.0.1",
      logger,
      readMaxBytes: orchestrator.options.maxPayloadBytes * 4 + 64 * 1024,
    });
  } catch (error) {
    await orchestrator.stop();
    await store.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    orchestrator,
    stop() {
      stopping ??= (async () => {
        await orchestrator.stop();
        await server.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
