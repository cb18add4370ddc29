import { Redis } from "ioredis";
import type { InvocationStatus } from "../../domain/invocation.js";
import { type RetentionOptions, resolveRetention } from "../retention.js";
import { StatusWatches } from "../status-watches.js";
import type { StatusWatch, Store, StoreNotice, StoreStats } from "../store.js";
import { DEFAULT_RECLAIM_AFTER_MS } from "../store.js";
import type { HandOut, RedisContext } from "./context.js";
import { EngineStreams, type MalformedEntry } from "./engine-streams.js";
import { RedisKeys } from "./keys.js";
import { LiveMark } from "./live-mark.js";
import { RedisDeferred } from "./redis-deferred.js";
import { RedisHistory } from "./redis-history.js";
import { RedisInvocations } from "./redis-invocations.js";
import { RedisOccurrenceLog } from "./redis-occurrence-log.js";
import { RedisRegistry } from "./redis-registry.js";
import { RedisReplicas } from "./redis-replicas.js";
import { RedisTriggerState } from "./redis-trigger-state.js";
import { Scripts } from "./scripts.js";

export type { MalformedEntry } from "./engine-streams.js";

/** How long the "statusfollowers" and "resultwaiters" marks live unless refreshed. */
const FOLLOWER_MARK_MS = 30_000;

export interface RedisStoreOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Key prefix (a hash tag): deployments sharing a Redis use different ones. Default "nenc". */
  prefix?: string;
  /**
   * Names the store's connections in CLIENT LIST: `<name>:commands`, `<name>:notices`,
   * `<name>:occurrences`, `<name>:deferred`. Default "nenc".
   */
  clientName?: string;
  /**
   * Hears connection errors (Redis unreachable: commands wait, ioredis reconnects).
   * Default: ignored. `nenc serve` logs them as warnings.
   */
  onConnectionError?: (connection: string, error: Error) => void;
  /**
   * Hears of a stream entry that could not be decoded (a corrupt entry, or one
   * something else wrote into the occurrence log or a deferred stream): the store
   * acknowledges and deletes it and goes on with the rest. Default: ignored.
   * `nenc serve` logs them as errors.
   */
  onMalformedEntry?: (entry: MalformedEntry) => void;
  retention?: Partial<RetentionOptions>;
  /**
   * The redelivery delay: an occurrence (or deferred evaluation) handed back after a
   * failed evaluation, or held by a process that ended without settling it, is
   * handed out again after this long. Default 30 s.
   */
  reclaimAfterMs?: number;
}

/**
 * The Redis store: one object per role over one connection for commands, with
 * streams and consumer groups for work queues, the occurrence log and deferred
 * evaluations; one Lua script per multi-key state change (see scripts/ and
 * keys.ts); pub/sub notices so every replica hears of every change. Several
 * orchestrator replicas share one Redis through it.
 */
export class RedisStore implements Store {
  readonly description: string;
  readonly registry: RedisRegistry;
  readonly work: RedisInvocations;
  readonly log: RedisOccurrenceLog;
  readonly deferred: RedisDeferred;
  readonly triggerState: RedisTriggerState;
  readonly replicas: RedisReplicas;
  readonly history: RedisHistory;
  private readonly keys: RedisKeys;
  private readonly scripts = new Scripts();
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly streams: EngineStreams;
  private readonly watches = new StatusWatches();
  /** Requests sent to Redis by this replica (for StoreStats.requests). */
  private requestsSent = 0;
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  /** Exists while this replica follows every status change. */
  private readonly statusFollowers: LiveMark;
  /** Exists while this replica waits for some invocation's final status. */
  private readonly resultWaiters: LiveMark;

  private constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? "nenc";
    this.keys = new RedisKeys(prefix);
    this.description = `redis (${redactUrl(options.url)}, prefix ${prefix})`;
    const connect = this.connector(options);
    this.redis = connect("commands");
    this.subscriber = connect("notices");
    this.statusFollowers = new LiveMark(this.redis, this.keys.key("statusfollowers"), FOLLOWER_MARK_MS);
    this.resultWaiters = new LiveMark(this.redis, this.keys.key("resultwaiters"), FOLLOWER_MARK_MS);
    const context: RedisContext = {
      redis: this.redis,
      keys: this.keys,
      retention: resolveRetention(options.retention),
      watch: this.watches,
      // The streams take the context too: read when a script runs, long after both exist.
      get handOut(): HandOut {
        return streams;
      },
      run: (name, keys, args) => this.scripts.run(this.redis, name, keys, [this.keys.base, ...args]),
    };
    const onError = options.onConnectionError ?? (() => {});
    const streams = new EngineStreams(context, {
      connect,
      reclaimAfterMs: options.reclaimAfterMs ?? DEFAULT_RECLAIM_AFTER_MS,
      onMalformed: options.onMalformedEntry ?? (() => {}),
      onKeepFailed: (error) => onError("keeping held entries", error),
    });
    this.streams = streams;
    this.registry = new RedisRegistry(context);
    this.work = new RedisInvocations(context);
    this.log = new RedisOccurrenceLog(context, this.streams);
    this.deferred = new RedisDeferred(context, this.streams);
    this.triggerState = new RedisTriggerState(context);
    this.replicas = new RedisReplicas(context, this.streams);
    this.history = new RedisHistory(context);
  }

  /** Opens a named connection, counted, its errors heard (see RedisStoreOptions). */
  private connector(options: RedisStoreOptions): (role: string) => Redis {
    const clientName = options.clientName ?? "nenc";
    const onError = options.onConnectionError ?? (() => {});
    return (role) => {
      const client = new Redis(options.url, {
        maxRetriesPerRequest: null,
        // Off: ioredis's auto-pipelining runs one pipeline at a time per connection,
        // so every command waited for the previous batch's replies (an invoke's
        // creation ~3 ms behind a batch of results). Commands written as they come
        // are pipelined on the socket all the same, without the lockstep.
        enableAutoPipelining: false,
        connectionName: `${clientName}:${role}`,
      });
      // Without a listener ioredis prints every failed reconnection attempt to stderr.
      client.on("error", (error: Error) => onError(role, error));
      return countRequests(client, () => {
        this.requestsSent++;
      });
    };
  }

  /** Connects, loads the scripts, creates the consumer groups and subscribes to notices. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.scripts.load(store.redis);
      await store.log.ensureLog();
      await store.subscriber.subscribe(store.keys.notices);
      store.subscriber.on("message", (_channel: string, message: string) => store.onNotice(message));
      // Pub/sub keeps nothing for a disconnected subscriber: after a reconnection
      // (ioredis re-subscribes right after "ready"), listeners reload what notices
      // keep in step. Subscribing here too resolves once the subscription is in force.
      store.subscriber.on("ready", () => {
        store.subscriber.subscribe(store.keys.notices).then(
          () => store.deliver({ type: "resync" }),
          () => {}, // Disconnected again: the next "ready" tries again.
        );
      });
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Non-final status changes are published only while the key "statusfollowers"
   * exists (see announceStatus in scripts/includes/base.lua): a follower keeps it
   * alive (LiveMark). It is set before this resolves, so every change after that is
   * published.
   */
  async followStatusChanges(follow: boolean): Promise<void> {
    const channel = this.keys.key("notices:status");
    if (!follow) {
      this.statusFollowers.release();
      await this.subscriber.unsubscribe(channel);
      return;
    }
    await this.subscriber.subscribe(channel);
    await this.statusFollowers.hold();
  }

  /**
   * Final statuses are published only while the key "resultwaiters" exists (see
   * announceStatus): most results have no one waiting for them, and every replica
   * would read each notice. Set before this resolves.
   */
  async followFinalStatuses(follow: boolean): Promise<void> {
    if (follow) await this.resultWaiters.hold();
    else this.resultWaiters.release();
  }

  watchStatuses(watch: StatusWatch): () => void {
    return this.watches.add(watch);
  }

  async stats(): Promise<StoreStats> {
    const [kept, finished, backlog, deferredStreams] = await Promise.all([
      this.redis.zcard(this.keys.invocations),
      this.redis.zcard(this.keys.finished),
      this.redis.xlen(this.keys.occurrences),
      this.redis.smembers(this.keys.key("deferred")),
    ]);
    const deferred = await Promise.all(deferredStreams.map((stream) => this.redis.xlen(stream)));
    return {
      activeInvocations: kept - finished,
      occurrenceBacklog: backlog + deferred.reduce((a, b) => a + b, 0),
      requests: this.requestsSent,
    };
  }

  async close(): Promise<void> {
    this.statusFollowers.close();
    this.resultWaiters.close();
    this.listeners.clear();
    this.streams.close();
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** "w|task", "i|id|status", "t|id|version", "a|app|version", or "r" (entries were released: scan now). */
  private onNotice(message: string): void {
    const [type, id = "", last = ""] = message.split("|");
    let notice: StoreNotice | undefined;
    if (type === "w") notice = { type: "work", taskId: id };
    else if (type === "i")
      notice = { type: "invocation", invocationId: id, status: last as InvocationStatus };
    else if (type === "t") notice = { type: "trigger", triggerId: id, version: Number(last) };
    else if (type === "a") notice = { type: "app", appId: id, version: Number(last) };
    else if (type === "r") this.streams.rescan();
    if (notice) this.deliver(notice);
  }

  private deliver(notice: StoreNotice): void {
    for (const listener of this.listeners) listener(notice);
  }
}

/** The store's address for logs, without a password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis";
  }
}

/**
 * Counts the commands a client sends: one per request (a script call or a blocking
 * read counts once, whatever it does inside Redis; pushed pub/sub messages do not;
 * pipelined requests share network writes but still count one each).
 */
function countRequests(client: Redis, onRequest: () => void): Redis {
  const send = client.sendCommand.bind(client);
  // Every command passes here once, pipelined or not (again only when the offline
  // queue is replayed after a reconnection).
  client.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    onRequest();
    return send(...args);
  }) as Redis["sendCommand"];
  return client;
}
