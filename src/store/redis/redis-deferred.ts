import type { Evaluation } from "../../domain/evaluation.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { DeferredEvaluation, DeferredEvaluations } from "../store.js";
import { checkOccurrence, entryFields } from "./codec.js";
import type { RedisContext } from "./context.js";
import type { EngineStreams } from "./engine-streams.js";

/** Between the stream and the entry id in a deferred evaluation's ref. */
const REF_SEPARATOR = "\u0000";

/**
 * Deferred evaluations on Redis (the deferred role): one stream per app
 * (defer:<appId>), read through the engine's consumer group by the replicas that
 * host a worker of the app (see engine-streams.ts).
 */
export class RedisDeferred implements DeferredEvaluations {
  constructor(
    private readonly ctx: RedisContext,
    private readonly streams: EngineStreams,
  ) {}

  async deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    await this.ctx.run(
      "deferEvaluation",
      [this.ctx.keys.deferred(appId)],
      [triggerId, JSON.stringify(occurrence)],
    );
  }

  async readDeferred(
    appIds: readonly string[],
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const streams = appIds.map((appId) => this.ctx.keys.deferred(appId));
    const entries = await this.streams.deferredReader.read(streams, replicaId, max, waitMs, signal);
    const items = await this.streams.decodeEach(entries, (entry) => {
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
    for (const [stream, ids] of byStream(items)) this.streams.hold(stream, replicaId, ids);
    return items;
  }

  async settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]): Promise<void> {
    const [stream, id] = splitDeferredRef(item.ref);
    await this.streams.settle(stream, evaluations, [id]);
  }

  async retryDeferred(items: readonly DeferredEvaluation[]): Promise<void> {
    for (const [stream, ids] of byStream(items)) this.streams.handBack(stream, ids);
  }
}

/** The items' entry ids by stream. */
function byStream(items: readonly DeferredEvaluation[]): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  for (const item of items) {
    const [stream, id] = splitDeferredRef(item.ref);
    getOrCreate(streams, stream, () => []).push(id);
  }
  return streams;
}

/** A deferred evaluation's ref: its stream and entry id. */
function splitDeferredRef(ref: string): [stream: string, id: string] {
  const at = ref.indexOf(REF_SEPARATOR);
  if (at < 0) throw new Error(`deferred evaluation ref "${ref}" is not one readDeferred gave`);
  return [ref.slice(0, at), ref.slice(at + REF_SEPARATOR.length)];
}
