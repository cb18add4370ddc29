import type { StoredEvent } from "../../domain/event.js";
import type { EventQuery, Page } from "../store.js";
import { decodeEvent } from "./codec.js";
import type { RedisContext } from "./context.js";

/** Events on Redis: durable append with its occurrence (one script), listing by code and time. */
export class RedisEvents {
  constructor(private readonly ctx: RedisContext) {}

  async appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const { invocationIds: _none, ...stored } = event;
    const key = event.idempotencyKey;
    const [created, id] = (await this.ctx.run(
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
      ],
    )) as [number, string];
    if (created === 1) return { event, duplicate: false };
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

  async listEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const index = query.code ? this.ctx.keys.eventsOfCode(query.code) : this.ctx.keys.events;
    const until = query.until === undefined ? "+inf" : `(${query.until}`;
    let ids: string[];
    if (query.pageToken) {
      // The token is "<score>:<id>": the rest of that millisecond, then what follows it.
      const [score, last] = query.pageToken.split(":") as [string, string];
      const sameMs = (await this.ctx.redis.zrangebyscore(index, score, score)).filter((id) => id > last);
      const after = await this.ctx.redis.zrangebyscore(
        index,
        `(${score}`,
        until,
        "LIMIT",
        0,
        query.limit + 1,
      );
      ids = [...sameMs, ...after].slice(0, query.limit + 1);
    } else {
      ids = await this.ctx.redis.zrangebyscore(
        index,
        query.since ?? "-inf",
        until,
        "LIMIT",
        0,
        query.limit + 1,
      );
    }
    const events = (await Promise.all(ids.slice(0, query.limit).map((id) => this.getEvent(id)))).filter(
      (event): event is StoredEvent => event !== undefined,
    );
    const last = events.at(-1);
    return ids.length > query.limit && last
      ? { items: events, nextPageToken: `${last.emittedAt}:${last.id}` }
      : { items: events };
  }
}
