import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import { decodePageToken, encodePageToken, ITEM_OVERHEAD_BYTES, PageBudget } from "../paging.js";
import type { EventQuery, HistoryStore, Page } from "../store.js";
import { decodeEvent } from "./codec.js";
import type { RedisContext } from "./context.js";
import { settleEntries } from "./engine-streams.js";

/** A Redis event page token's position: "<emission ms>:<event id>" of the last event listed. */
const SCORE_AND_ID = /^(\d{1,15}):(\S{1,200})$/;
/** Ids a listing sizes per round trip: small, so that a page reads little past its end. */
const LIST_BATCH = 50;

/**
 * Events and trigger evaluations on Redis (the history role): durable append of an
 * event with its occurrence (one script), listing by code and time; the newest
 * evaluations per trigger (a capped list, written by settleOccurrences-2.lua).
 */
export class RedisHistory implements HistoryStore {
  constructor(private readonly ctx: RedisContext) {}

  recordEvaluations(evaluations: readonly Evaluation[]): Promise<void> {
    return settleEntries(this.ctx, this.ctx.keys.occurrences, evaluations, []);
  }

  async listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]> {
    // The list runs a little over the cap between trims (see pushCapped in scripts/includes/base.lua).
    const upTo = Math.min(limit, this.ctx.retention.evaluationsPerTrigger);
    if (upTo <= 0) return [];
    const list = await this.ctx.redis.lrange(this.ctx.keys.evaluations(triggerId), 0, upTo - 1);
    return list.map((json) => JSON.parse(json) as Evaluation);
  }

  async appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const { invocationIds: _none, ...stored } = event;
    const key = event.idempotencyKey;
    const [created, id, handed] = (await this.ctx.run(
      "appendEvent",
      [
        this.ctx.keys.event(event.id),
        key ? this.ctx.keys.key("evtkey", key) : this.ctx.keys.event(event.id),
        this.ctx.keys.events,
        this.ctx.keys.eventsOfCode(event.code),
      ],
      [
        event.id,
        event.code,
        JSON.stringify(stored),
        JSON.stringify(event.payload),
        event.emittedAt,
        event.emittedAt,
        key ? this.ctx.retention.eventRetentionMs : 0,
        key ?? "",
        this.ctx.retention.maxEvents,
        event.emittedAt - this.ctx.retention.eventRetentionMs,
        this.ctx.handOut.consumer,
        event.traceparent ?? "",
      ],
    )) as [number, string, Array<[string, string[]]>?];
    if (created === 1) {
      this.ctx.handOut.accept(handed ?? []);
      return { event, duplicate: false };
    }
    return { event: (await this.getEvent(id)) as StoredEvent, duplicate: true };
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const key = this.ctx.keys.event(eventId);
    const [json, invocationIds] = await Promise.all([
      this.ctx.redis.hget(key, "json"),
      this.ctx.redis.lrange(`${key}:invs`, 0, -1),
    ]);
    return json ? decodeEvent(json, invocationIds) : undefined;
  }

  /**
   * Oldest first, by emission time then id. Ids are read in small batches and
   * sized (HSTRLEN) before any event is read whole: memory stays within the page's
   * byte budget, whatever pageSize asks.
   */
  async listEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const budget = new PageBudget(query.limit, query.maxBytes);
    const items: StoredEvent[] = [];
    let last: ListedId | undefined;
    for await (const chunk of this.candidates(query)) {
      const sizes = await Promise.all(
        chunk.map(({ id }) => this.ctx.redis.hstrlen(this.ctx.keys.event(id), "json")),
      );
      const taken: ListedId[] = [];
      let full = false;
      for (const [i, size] of sizes.entries()) {
        if (size === 0) continue; // dropped by retention meanwhile
        if (!budget.admit(ITEM_OVERHEAD_BYTES + size)) {
          full = true;
          break;
        }
        taken.push(chunk[i] as ListedId);
      }
      const events = await Promise.all(taken.map(({ id }) => this.getEvent(id)));
      for (const event of events) if (event) items.push(event);
      last = taken.at(-1) ?? last;
      if (full && last) return { items, nextPageToken: encodePageToken("re", `${last.score}:${last.id}`) };
    }
    return { items };
  }

  /**
   * The ids in the query's range after the page token, in order, in chunks. A
   * millisecond's ids are read together (ZRANGEBYSCORE s s), so that a chunk never
   * ends inside one: the token's "<score>:<id>" then resumes exactly after its id.
   */
  private async *candidates(query: EventQuery): AsyncGenerator<ListedId[]> {
    const index = query.code ? this.ctx.keys.eventsOfCode(query.code) : this.ctx.keys.events;
    const until = query.until === undefined ? "+inf" : `(${query.until}`;
    let min: string = query.since === undefined ? "-inf" : String(query.since);
    if (query.pageToken) {
      const [, score, lastId] = decodePageToken(query.pageToken, "re", SCORE_AND_ID) as unknown as [
        string,
        string,
        string,
      ];
      const inRange =
        (query.since === undefined || Number(score) >= query.since) &&
        (query.until === undefined || Number(score) < query.until);
      if (inRange) yield (await this.millisecond(index, score)).filter(({ id }) => id > lastId);
      min = `(${score}`;
    }
    while (true) {
      const batch = await this.ctx.redis.zrangebyscore(
        index,
        min,
        until,
        "WITHSCORES",
        "LIMIT",
        0,
        LIST_BATCH,
      );
      const ids = pairs(batch);
      const lastScore = ids.at(-1)?.score;
      if (lastScore === undefined) return;
      if (ids.length < LIST_BATCH) {
        yield ids;
        return;
      }
      // The batch may end inside its last millisecond: read that one whole.
      yield ids.filter(({ score }) => score !== lastScore);
      yield await this.millisecond(index, lastScore);
      min = `(${lastScore}`;
    }
  }

  private async millisecond(index: string, score: string): Promise<ListedId[]> {
    return (await this.ctx.redis.zrangebyscore(index, score, score)).map((id) => ({ id, score }));
  }
}

/** An event id with its index score (emission time in ms), as ZRANGEBYSCORE returns it. */
interface ListedId {
  id: string;
  score: string;
}

function pairs(withScores: readonly string[]): ListedId[] {
  const out: ListedId[] = [];
  for (let i = 0; i + 1 < withScores.length; i += 2)
    out.push({ id: withScores[i] as string, score: withScores[i + 1] as string });
  return out;
}
