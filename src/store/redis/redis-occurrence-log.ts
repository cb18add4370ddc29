import type { Evaluation } from "../../domain/evaluation.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { LoggedOccurrence, OccurrenceLog } from "../store.js";
import type { RedisContext } from "./context.js";
import type { EngineStreams } from "./engine-streams.js";

/**
 * The occurrence log on Redis (the log role): one stream read through the
 * engine's consumer group (see engine-streams.ts), settled by settleOccurrences-2.lua.
 */
export class RedisOccurrenceLog implements OccurrenceLog {
  constructor(
    private readonly ctx: RedisContext,
    private readonly streams: EngineStreams,
  ) {}

  /** Creates the log's consumer group (at start-up). */
  ensureLog(): Promise<void> {
    return this.streams.occurrenceReader.ensureGroup(this.ctx.keys.occurrences);
  }

  async readOccurrences(
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    const stream = this.ctx.keys.occurrences;
    const entries = await this.streams.occurrenceReader.read([stream], replicaId, max, waitMs, signal);
    return this.streams.occurrencesFor(replicaId, entries);
  }

  settleOccurrences(evaluations: readonly Evaluation[], items: readonly LoggedOccurrence[]): Promise<void> {
    return this.streams.settle(
      this.ctx.keys.occurrences,
      evaluations,
      items.map((item) => item.ref),
    );
  }

  async retryOccurrences(items: readonly LoggedOccurrence[]): Promise<void> {
    this.streams.handBack(
      this.ctx.keys.occurrences,
      items.map((item) => item.ref),
    );
  }

  onHandedOut(replicaId: string, listener: (items: LoggedOccurrence[]) => void): () => void {
    return this.streams.listen(replicaId, listener);
  }

  async appendOccurrences(occurrences: readonly Occurrence[]): Promise<void> {
    const pipeline = this.ctx.redis.pipeline();
    for (const occurrence of occurrences)
      pipeline.xadd(this.ctx.keys.occurrences, "*", "j", JSON.stringify(occurrence));
    await pipeline.exec();
  }
}
