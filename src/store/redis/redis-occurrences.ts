import type { Redis } from "ioredis";
import type { Evaluation } from "../../domain/evaluation.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { DeferredEvaluation, LoggedOccurrence } from "../store.js";
import { checkOccurrence, decodeOccurrence, entryFields } from "./codec.js";
import type { RedisContext } from "./context.js";
import { type StreamEntry, StreamReader } from "./stream-reader.js";

/** The consumer group of the occurrence log and of the deferred streams. */
const ENGINE_GROUP = "engine";

/** Between the stream and the entry id in a deferred evaluation's ref. */
const REF_SEPARATOR = "\u0000";

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

/**
 * The occurrence log and the deferred evaluations on Redis: streams read through
 * the consumer group "engine" (see stream-reader.ts), settled by
 * settleOccurrences-2.lua. An entry that cannot be decoded (corrupt, or written by
 * something else) is reported, acknowledged and deleted, and the rest of its batch
 * is returned: one bad entry must not fail every read, which would block the log.
 */
export class RedisOccurrences {
  private readonly occurrenceReader: StreamReader;
  private readonly deferredReader: StreamReader;

  /** `connect(role)` opens a connection of its own for each reader's blocking reads. */
  constructor(
    private readonly ctx: RedisContext,
    connect: (role: string) => Redis,
    reclaimAfterMs: number,
    private readonly onMalformed: (entry: MalformedEntry) => void,
  ) {
    const run = ctx.run.bind(ctx);
    this.occurrenceReader = new StreamReader(
      ctx.redis,
      connect("occurrences"),
      ENGINE_GROUP,
      reclaimAfterMs,
      run,
    );
    this.deferredReader = new StreamReader(ctx.redis, connect("deferred"), ENGINE_GROUP, reclaimAfterMs, run);
  }

  /** Creates the log's consumer group (at start-up). */
  ensureLog(): Promise<void> {
    return this.occurrenceReader.ensureGroup(this.ctx.keys.occurrences);
  }

  close(): void {
    this.occurrenceReader.close();
    this.deferredReader.close();
  }

  async read(
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    const entries = await this.occurrenceReader.read(
      [this.ctx.keys.occurrences],
      consumerId,
      max,
      waitMs,
      signal,
    );
    return this.decodeEach(entries, (entry) => ({
      occurrence: decodeOccurrence(entry.fields),
      ref: entry.id,
      deliveries: entry.deliveries,
    }));
  }

  keep(consumerId: string, refs: readonly string[]): Promise<void> {
    return this.occurrenceReader.keep(this.ctx.keys.occurrences, consumerId, refs);
  }

  /** One script per deferred stream the refs are on (usually one: this replica's app). */
  async keepDeferred(consumerId: string, refs: readonly string[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const ref of refs) {
      const [stream, id] = splitDeferredRef(ref);
      getOrCreate(byStream, stream, () => []).push(id);
    }
    await Promise.all(
      [...byStream].map(([stream, ids]) => this.deferredReader.keep(stream, consumerId, ids)),
    );
  }

  /**
   * Records evaluations and acknowledges (and deletes) entries of one stream in one
   * script, so that a crash never leaves records without the ack (a repeat on
   * redelivery) nor an acknowledged entry left in the stream (a false backlog).
   */
  async settle(stream: string, evaluations: readonly Evaluation[], ids: readonly string[]): Promise<void> {
    if (evaluations.length === 0 && ids.length === 0) return;
    const args: Array<string | number> = [
      this.ctx.retention.evaluationsPerTrigger,
      ENGINE_GROUP,
      evaluations.length,
    ];
    for (const evaluation of evaluations) args.push(evaluation.triggerId, JSON.stringify(evaluation));
    args.push(...ids);
    await this.ctx.run("settleOccurrences", [this.ctx.keys.triggers, stream], args);
  }

  async append(occurrences: readonly Occurrence[]): Promise<void> {
    const pipeline = this.ctx.redis.pipeline();
    for (const occurrence of occurrences)
      pipeline.xadd(this.ctx.keys.occurrences, "*", "j", JSON.stringify(occurrence));
    await pipeline.exec();
  }

  async defer(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    await this.ctx.run(
      "deferEvaluation",
      [this.ctx.keys.deferred(appId)],
      [triggerId, JSON.stringify(occurrence)],
    );
  }

  async readDeferred(
    appIds: readonly string[],
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const streams = appIds.map((appId) => this.ctx.keys.deferred(appId));
    const entries = await this.deferredReader.read(streams, consumerId, max, waitMs, signal);
    return this.decodeEach(entries, (entry) => {
      const fields = entryFields(entry.fields);
      const triggerId = fields.get("trg");
      if (!triggerId) throw new Error("trg (the trigger id) is missing");
      return {
        ref: `${entry.stream}${REF_SEPARATOR}${entry.id}`,
        appId: appIds[streams.indexOf(entry.stream)] as string,
        triggerId,
        occurrence: checkOccurrence(JSON.parse(fields.get("j") ?? "null")),
        deliveries: entry.deliveries,
      };
    });
  }

  async settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]): Promise<void> {
    const [stream, id] = splitDeferredRef(item.ref);
    await this.settle(stream, evaluations, [id]);
  }

  async forgetIdleConsumers(idleMs: number): Promise<string[]> {
    const streams = [
      this.ctx.keys.occurrences,
      ...(await this.ctx.redis.smembers(this.ctx.keys.key("deferred"))),
    ];
    const forgotten = await Promise.all(
      streams.map(
        (stream) =>
          this.ctx.run("forgetIdleConsumers", [stream], [ENGINE_GROUP, idleMs]) as Promise<string[]>,
      ),
    );
    return [...new Set(forgotten.flat())];
  }

  /**
   * Decodes entry by entry; the entries that fail are acknowledged and deleted (one
   * script per stream) before they are reported, so each is reported once.
   */
  private async decodeEach<T>(
    entries: readonly StreamEntry[],
    decode: (entry: StreamEntry) => T,
  ): Promise<T[]> {
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
    for (const entry of malformed) this.onMalformed(entry);
    return decoded;
  }
}

/** A deferred evaluation's ref: its stream and entry id. */
function splitDeferredRef(ref: string): [stream: string, id: string] {
  const at = ref.indexOf(REF_SEPARATOR);
  if (at < 0) throw new Error(`deferred evaluation ref "${ref}" is not one readDeferred gave`);
  return [ref.slice(0, at), ref.slice(at + REF_SEPARATOR.length)];
}
