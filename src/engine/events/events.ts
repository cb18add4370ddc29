import { NencError, quote } from "../../domain/errors.js";
import type { StoredEvent } from "../../domain/event.js";
import { type JsonObject, jsonEqual } from "../../domain/json.js";
import { eventOccurrence } from "../../domain/occurrence.js";
import type { Traceparent } from "../../domain/trace.js";
import type { EventQuery, Page, Store } from "../../store/store.js";
import type { Admission } from "../admission.js";
import type { Clock } from "../clock.js";
import { newId } from "../ids.js";
import type { EngineTracing } from "../tracing.js";
import { requireJsonObject, requireName } from "../validate.js";

/** Events replay reads and logs again per step (fewer when the byte budget cuts a page). */
const REPLAY_PAGE = 500;
/** Events one ReplayEvents call may name. */
const MAX_REPLAY_IDS = 1000;

/**
 * An idempotency key names one emission: a repeat must be that emission again.
 * Another code or payload under a used key is refused rather than dropped unseen.
 */
function requireSameEmission(first: StoredEvent, code: string, payload: JsonObject): void {
  const differs =
    first.code !== code
      ? `another code (${quote(code)})`
      : jsonEqual(first.payload, payload)
        ? undefined
        : "the same code and another payload";
  if (!differs) return;
  throw new NencError(
    "ALREADY_EXISTS",
    `${quote(first.idempotencyKey ?? "")} was first used by event ${first.id} (code ${quote(first.code)}); this emission has ${differs}: a key names one emission, use a new key for a different event`,
    "idempotencyKey",
  );
}

/** What {@link Events} needs: one dependencies object. */
export interface EventsDeps {
  store: Pick<Store, "log" | "history">;
  clock: Clock;
  maxPayloadBytes: number;
  admission: Admission;
  /** The most bytes of events one page holds (it ends early, with a nextPageToken). */
  maxResponseBytes: number;
  tracing: EngineTracing;
}

/** How an event is emitted besides its code and payload. */
export interface EmitOptions {
  /** A repeated emit with the same key answers the first event. */
  idempotencyKey?: string;
  /** The emitter's trace context (see EngineTracing.emitted). */
  traceparent?: Traceparent;
}

/** Custom events: durable emission (optionally idempotent), listing and replay. */
export class Events {
  constructor(private readonly deps: EventsDeps) {}

  async emit(
    code: string,
    payload: unknown,
    { idempotencyKey, traceparent: caller }: EmitOptions = {},
  ): Promise<{ event: StoredEvent; duplicate: boolean }> {
    this.deps.admission.require();
    requireName(code, "code", "event code, e.g. user.login");
    const body = requireJsonObject(payload ?? {}, "payload", this.deps.maxPayloadBytes);
    if (idempotencyKey !== undefined && idempotencyKey.length > 200) {
      throw NencError.invalid("idempotencyKey", "is longer than 200 characters");
    }
    const traceparent = this.deps.tracing.emitted(code, caller);
    const stored = await this.deps.store.history.appendEvent({
      id: newId("evt"),
      code,
      payload: body,
      emittedAt: this.deps.clock.now(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      invocationIds: [],
      ...(traceparent ? { traceparent } : {}),
    });
    if (stored.duplicate) requireSameEmission(stored.event, code, body);
    return stored;
  }

  async get(eventId: string): Promise<StoredEvent> {
    if (!eventId) throw NencError.invalid("id", "is required: the event id");
    const event = await this.deps.store.history.getEvent(eventId);
    if (!event) throw NencError.notFound("event", eventId, "it may be older than the retention period");
    return event;
  }

  list(query: EventQuery): Promise<Page<StoredEvent>> {
    if (query.limit < 0 || query.limit > 1000)
      throw NencError.invalid("pageSize", "must be between 0 (default 100) and 1000");
    if (query.since !== undefined && query.until !== undefined && query.until < query.since) {
      throw NencError.invalid("until", "is before since");
    }
    // The page token is the store's: it validates its own.
    return this.deps.store.history.listEvents({
      ...query,
      limit: query.limit || 100,
      maxBytes: this.deps.maxResponseBytes,
    });
  }

  /**
   * Logs the stored events of a range again, as occurrences with their original ids:
   * triggers that did not fire for an event (new, fixed or resumed ones) evaluate
   * it now; those that fired already deduplicate.
   */
  async replay(query: Omit<EventQuery, "limit" | "pageToken" | "maxBytes">): Promise<number> {
    this.deps.admission.require();
    let count = 0;
    let pageToken: string | undefined;
    do {
      const page = await this.list({ ...query, limit: REPLAY_PAGE, ...(pageToken ? { pageToken } : {}) });
      await this.deps.store.log.appendOccurrences(page.items.map(eventOccurrence));
      count += page.items.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return count;
  }

  /** Logs these stored events again, as replay does a range; every id must name one. */
  async replayIds(ids: readonly string[]): Promise<number> {
    this.deps.admission.require();
    if (ids.length > MAX_REPLAY_IDS)
      throw NencError.invalid("ids", `holds ${ids.length} ids; replay at most ${MAX_REPLAY_IDS} per call`);
    const events = await Promise.all(ids.map((id) => this.deps.store.history.getEvent(id)));
    const missing = events.findIndex((event) => !event);
    if (missing >= 0)
      throw NencError.notFound("event", ids[missing] as string, "it may be older than the retention limit");
    await this.deps.store.log.appendOccurrences((events as StoredEvent[]).map(eventOccurrence));
    return events.length;
  }
}
