import type { Redis } from "ioredis";
import type { Evaluation } from "../../domain/evaluation.js";
import type { LoggedOccurrence } from "../store.js";
import { decodeOccurrence } from "./codec.js";
import type { HandOut, RedisContext } from "./context.js";
import { HeldEntries } from "./held-entries.js";
import { type StreamEntry, StreamReader } from "./stream-reader.js";

/** The consumer group of the occurrence log and of the deferred streams. */
const ENGINE_GROUP = "engine";

/** The consumer that holds a gone replica's entries until a scan hands them out again (see releaseConsumer-1.lua). */
const RELEASED_CONSUMER = "released";

/** Thirty days: an idle time past any reclaim delay and below the epoch time (Redis's bound). */
const RELEASED_IDLE_MS = 30 * 24 * 3_600_000;

/** How much of a malformed entry's content its report shows. */
const MALFORMED_PREFIX_CHARS = 200;

/** A stream entry that could not be decoded, dropped from its stream (see RedisStoreOptions.onMalformedEntry). */
export interface MalformedEntry {
  /** The stream's key, e.g. `{nenc}:occ` or `{nenc}:defer:<app>`. */
  stream: string;
  /** The entry's stream id. */
  id: string;
  /** The start of its fields as JSON, at most 200 characters. */
  content: string;
  /** Why it could not be decoded. */
  error: string;
}

/** What {@link EngineStreams} needs besides the store's context. */
export interface EngineStreamsOptions {
  /** Opens a connection of its own for each reader's blocking reads. */
  connect: (role: string) => Redis;
  reclaimAfterMs: number;
  onMalformed: (entry: MalformedEntry) => void;
  /** Keeping held entries failed (Redis unreachable): the next tick retries. */
  onKeepFailed: (error: Error) => void;
}

/**
 * Records evaluations and acknowledges (and deletes) entries of one stream in one
 * script (settleOccurrences-2.lua), so that a crash never leaves records without
 * the ack (a repeat on redelivery) nor an acknowledged entry in the stream (a
 * false backlog). No ids: the records alone.
 */
export async function settleEntries(
  ctx: RedisContext,
  stream: string,
  evaluations: readonly Evaluation[],
  ids: readonly string[],
): Promise<void> {
  if (evaluations.length === 0 && ids.length === 0) return;
  const args: Array<string | number> = [
    ctx.retention.evaluationsPerTrigger,
    ENGINE_GROUP,
    evaluations.length,
  ];
  for (const evaluation of evaluations) args.push(evaluation.triggerId, JSON.stringify(evaluation));
  args.push(...ids);
  await ctx.run("settleOccurrences", [ctx.keys.triggers, stream], args);
}

/**
 * What the occurrence log and the deferred evaluations share on Redis: streams
 * read through the consumer group "engine" (one reader each, see
 * stream-reader.ts), the entries this process holds (HeldEntries), settling, and
 * releasing what a gone replica held. An entry that cannot be decoded (corrupt,
 * or written by something else) is reported, acknowledged and deleted, and the
 * rest of its batch is returned: one bad entry must not fail every read.
 */
export class EngineStreams implements HandOut {
  readonly occurrenceReader: StreamReader;
  readonly deferredReader: StreamReader;
  private readonly held: HeldEntries;
  private listener: { replicaId: string; deliver: (items: LoggedOccurrence[]) => void } | undefined;

  constructor(
    private readonly ctx: RedisContext,
    private readonly options: EngineStreamsOptions,
  ) {
    const run = ctx.run.bind(ctx);
    const { connect, reclaimAfterMs } = options;
    this.occurrenceReader = new StreamReader(
      ctx.redis,
      connect("occurrences"),
      ENGINE_GROUP,
      reclaimAfterMs,
      run,
    );
    this.deferredReader = new StreamReader(ctx.redis, connect("deferred"), ENGINE_GROUP, reclaimAfterMs, run);
    this.held = new HeldEntries(
      reclaimAfterMs,
      (stream, consumer, ids) => this.occurrenceReader.keep(stream, consumer, ids),
      options.onKeepFailed,
    );
  }

  /** The consumer scripts hand logged occurrences to (see HandOut): the listening replica. */
  get consumer(): string {
    return this.listener?.replicaId ?? "";
  }

  /** See OccurrenceLog.onHandedOut. */
  listen(replicaId: string, deliver: (items: LoggedOccurrence[]) => void): () => void {
    const listener = { replicaId, deliver };
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }

  /** Entries a script handed to the listening replica: held, decoded, delivered. */
  accept(entries: ReadonlyArray<[id: string, fields: string[]]>): void {
    const listener = this.listener;
    if (entries.length === 0 || !listener) return;
    const stream = this.ctx.keys.occurrences;
    const handed = entries.map(([id, fields]) => ({ stream, id, fields, deliveries: 1 }));
    void this.occurrencesFor(listener.replicaId, handed).then(
      (items) => {
        if (items.length > 0) listener.deliver(items);
      },
      () => {}, // Settling a malformed entry failed: it stays held, and is reclaimed once idle.
    );
  }

  /**
   * Log entries handed to `replicaId` (read, or taken by a script): held by it (kept
   * from reclaim until settled or handed back), then decoded.
   */
  occurrencesFor(replicaId: string, entries: readonly StreamEntry[]): Promise<LoggedOccurrence[]> {
    this.held.hold(
      this.ctx.keys.occurrences,
      replicaId,
      entries.map((entry) => entry.id),
    );
    return this.decodeEach(entries, (entry) => ({
      occurrence: decodeOccurrence(entry.fields),
      ref: entry.id,
      deliveries: entry.deliveries,
    }));
  }

  /** Read by `replicaId`: held (kept from reclaim) until settled or handed back. */
  hold(stream: string, replicaId: string, ids: readonly string[]): void {
    this.held.hold(stream, replicaId, ids);
  }

  /** Records evaluations and settles entries of one stream, in one script. */
  async settle(stream: string, evaluations: readonly Evaluation[], ids: readonly string[]): Promise<void> {
    await settleEntries(this.ctx, stream, evaluations, ids);
    this.held.release(stream, ids);
  }

  /** No longer kept: reclaimed (handed out again) once idle for reclaimAfterMs. */
  handBack(stream: string, ids: readonly string[]): void {
    this.held.release(stream, ids);
  }

  /**
   * The replica went away: what it held on every engine stream is handed out again
   * at the next scan of any replica, and the replicas are told to scan now (the
   * "r" notice, see RedisStore).
   */
  async releaseReplica(replicaId: string): Promise<void> {
    this.held.releaseConsumer(replicaId);
    const { keys } = this.ctx;
    const streams = [keys.occurrences, ...(await this.ctx.redis.smembers(keys.key("deferred")))];
    const released = await Promise.all(
      streams.map(
        (stream) =>
          this.ctx.run(
            "releaseConsumer",
            [stream],
            [ENGINE_GROUP, replicaId, RELEASED_CONSUMER, RELEASED_IDLE_MS],
          ) as Promise<number>,
      ),
    );
    if (released.some((count) => count > 0)) await this.ctx.redis.publish(keys.notices, "r");
  }

  /** Scans for entries to reclaim at the next read, without waiting for the scan interval. */
  rescan(): void {
    this.occurrenceReader.rescan();
    this.deferredReader.rescan();
  }

  close(): void {
    this.held.close();
    this.occurrenceReader.close();
    this.deferredReader.close();
  }

  /**
   * Decodes entry by entry; the entries that fail are acknowledged and deleted (one
   * script per stream) before they are reported, so each is reported once.
   */
  async decodeEach<T>(entries: readonly StreamEntry[], decode: (entry: StreamEntry) => T): Promise<T[]> {
    const decoded: T[] = [];
    const malformed: MalformedEntry[] = [];
    for (const entry of entries) {
      try {
        decoded.push(decode(entry));
      } catch (error) {
        malformed.push({
          stream: entry.stream,
          id: entry.id,
          content: JSON.stringify(entry.fields).slice(0, MALFORMED_PREFIX_CHARS),
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (malformed.length === 0) return decoded;
    const streams = [...new Set(malformed.map((entry) => entry.stream))];
    await Promise.all(
      streams.map((stream) =>
        this.settle(
          stream,
          [],
          malformed.filter((entry) => entry.stream === stream).map((entry) => entry.id),
        ),
      ),
    );
    for (const entry of malformed) this.options.onMalformed(entry);
    return decoded;
  }
}
