import { TokenRegistry } from "./auth/token-registry.js";
import type { Logger } from "./domain/logger.js";
import { type Clock, systemClock } from "./engine/clock.js";
import { Orchestrator, type OrchestratorOptions } from "./engine/orchestrator.js";
import { createJsonLogger } from "./logging.js";
import { MemoryStore } from "./store/memory/memory-store.js";
import { RedisStore } from "./store/redis/redis-store.js";
import type { RetentionOptions } from "./store/retention.js";
import type { Store } from "./store/store.js";
import { Metrics } from "./telemetry/metrics.js";
import { createDashboardHandler } from "./transport/dashboard.js";
import type { ServerTls } from "./transport/listener.js";
import { type RunningServer, startServer } from "./transport/server.js";
import type { TokenLimitOptions } from "./transport/token-limits.js";

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
  orchestrator?: Partial<Omit<OrchestratorOptions, "logger" | "telemetry">>;
  /**
   * The HTTP side port: /metrics and the dashboard (docs/design.md §5). Default: on,
   * at the gRPC port + 1 (an ephemeral port when `port` is 0). false: no side port
   * and no metrics kept.
   */
  http?: false | HttpSideOptions;
  /** TLS on the gRPC port and the side port (absent: cleartext). */
  tls?: ServerTls;
  /**
   * Check every call's bearer token against this tokens file (`nenc token create`),
   * followed as it changes (docs/design.md §6). Absent: every call is allowed.
   */
  authTokensFile?: string;
  /** With a tokens file: streams and request rate per token (see TokenLimitOptions). */
  tokenLimits?: Partial<TokenLimitOptions>;
}

export interface HttpSideOptions {
  /** Default: the gRPC port + 1, or ephemeral when the gRPC port is. */
  port?: number;
  /** Distinct task, trigger or app ids each labelled metric keeps (see Metrics). */
  maxLabelValues?: number;
  /** The dashboard hides its actions and the side port refuses every call that changes state. */
  uiReadOnly?: boolean;
}

export interface NencServer {
  readonly url: string;
  readonly port: number;
  /** The HTTP side port's URL (`http://host:port`), unless `http: false`. */
  readonly httpUrl?: string;
  readonly orchestrator: Orchestrator;
  /** Drains (see Orchestrator.stop), then closes the port and the store. */
  stop(): Promise<void>;
  /** With TLS: new connections use these certificates, open ones keep theirs (SIGHUP in `nenc serve`). */
  reloadTls(tls: ServerTls): void;
  /** With a tokens file: reads it again now (it is also followed as it changes). */
  reloadTokens(): void;
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
  const store = options.store ?? (await openStore(options, logger));
  const http = options.http === false ? undefined : (options.http ?? {});
  const metrics = http && newMetrics(store, http, options.orchestrator?.clock ?? systemClock);
  const orchestrator = await Orchestrator.start(metrics ? metrics.instrument(store) : store, {
    ...options.orchestrator,
    logger,
    ...(metrics ? { telemetry: metrics } : {}),
  });
  const port = options.port ?? 7070;
  let server: RunningServer;
  let tokens: TokenRegistry | undefined;
  try {
    tokens = options.authTokensFile ? TokenRegistry.open(options.authTokensFile, { logger }) : undefined;
    server = await startServer(orchestrator, {
      ...(tokens
        ? { authenticator: tokens, ...(options.tokenLimits ? { tokenLimits: options.tokenLimits } : {}) }
        : {}),
      port,
      host: options.host ?? "127.0.0.1",
      logger,
      readMaxBytes: orchestrator.options.maxPayloadBytes * 4 + 64 * 1024,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(metrics && http ? { side: sideOptions(http, port, metrics, tokens !== undefined) } : {}),
    });
  } catch (error) {
    tokens?.close();
    await orchestrator.stop();
    await store.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    ...(server.side ? { httpUrl: server.side.url } : {}),
    orchestrator,
    reloadTls: (tls) => server.reloadTls(tls),
    reloadTokens: () => tokens?.reload(),
    stop() {
      stopping ??= (async () => {
        tokens?.close();
        await orchestrator.stop();
        await server.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

/** Redis when a URL is given, else a new memory store. */
async function openStore(options: NencServerOptions, logger: Logger): Promise<Store> {
  const storeOptions = {
    ...(options.reclaimAfterMs === undefined ? {} : { reclaimAfterMs: options.reclaimAfterMs }),
    ...(options.retention ? { retention: options.retention } : {}),
  };
  if (!options.redisUrl) return new MemoryStore(storeOptions);
  return RedisStore.connect({
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
  });
}

function newMetrics(store: Store, http: HttpSideOptions, clock: Clock): Metrics {
  return new Metrics({
    store,
    clock,
    ...(http.maxLabelValues === undefined ? {} : { maxLabelValues: http.maxLabelValues }),
  });
}

function sideOptions(http: HttpSideOptions, grpcPort: number, metrics: Metrics, auth: boolean) {
  const readOnly = http.uiReadOnly ?? false;
  return {
    port: http.port ?? sidePortOf(grpcPort),
    metrics,
    ui: createDashboardHandler({ readOnly, auth }),
    readOnly,
  };
}

/** The side port's default: the next port, or an ephemeral one beside an ephemeral gRPC port. */
function sidePortOf(grpcPort: number): number {
  return grpcPort === 0 ? 0 : grpcPort + 1;
}
