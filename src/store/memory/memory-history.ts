import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import { getOrCreate } from "../../domain/maps.js";
import { eventOccurrence, type Occurrence } from "../../domain/occurrence.js";
import { decodePageToken, encodePageToken, itemBytes, PageBudget } from "../paging.js";
import type { RetentionOptions } from "../retention.js";
import type { EventQuery, HistoryStore, Page } from "../store.js";
import { SequencedList } from "./sequenced-list.js";

/** A memory page token's position: a sequence number. */
const SEQ = /^(\d{1,15})$/;

/** What {@link MemoryHistory} shares with the other roles of the memory store. */
export interface MemoryHistoryDeps {
  retention: RetentionOptions;
  /** Logs an event's occurrence in the same synchronous step as the event. */
  logOccurrence(occurrence: Occurrence): void;
  /** Evaluations of a trigger that no longer exists are not kept. */
  triggerExists(triggerId: string): boolean;
}

/**
 * Events and trigger evaluations in memory (the history role): durable append
 * (idempotent by key), listing, retention, provenance; the newest evaluations per trigger.
 */
export class MemoryHistory implements HistoryStore {
  private readonly events = new Map<string, StoredEvent>();
  private readonly eventOrder = new SequencedList();
  private readonly eventKeys = new Map<string, string>();
  private readonly evaluations = new Map<string, Evaluation[]>();

  constructor(private readonly deps: MemoryHistoryDeps) {}

  private get retention(): RetentionOptions {
    return this.deps.retention;
  }

  /** Records that `invocationId` was started by the event. */
  addInvocation(eventId: string, invocationId: string): void {
    this.events.get(eventId)?.invocationIds.push(invocationId);
  }

  async appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const key = event.idempotencyKey;
    const firstId = key ? this.eventKeys.get(key) : undefined;
    const first = firstId ? this.events.get(firstId) : undefined;
    if (first) return { event: copyEvent(first), duplicate: true };
    this.events.set(event.id, copyEvent(event));
    this.eventOrder.add(event.id);
    if (key) this.eventKeys.set(key, event.id);
    this.deps.logOccurrence(eventOccurrence(event));
    this.pruneEvents(event.emittedAt);
    return { event: copyEvent(event), duplicate: false };
  }

  private pruneEvents(now: number): void {
    const cutoff = now - this.retention.eventRetentionMs;
    const drop = new Set<string>();
    let excess = this.events.size - this.retention.maxEvents;
    for (const id of this.eventOrder.oldestFirst()) {
      const event = this.events.get(id);
      if (!event || (excess <= 0 && event.emittedAt >= cutoff)) break;
      drop.add(id);
      excess--;
    }
    if (drop.size === 0) return;
    for (const id of drop) {
      const key = this.events.get(id)?.idempotencyKey;
      if (key) this.eventKeys.delete(key);
      this.events.delete(id);
    }
    this.eventOrder.removeAll(drop);
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const event = this.events.get(eventId);
    return event && copyEvent(event);
  }

  async listEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const after = query.pageToken ? Number(decodePageToken(query.pageToken, "me", SEQ)[1]) : undefined;
    const budget = new PageBudget(query.limit, query.maxBytes);
    const { ids, next } = this.eventOrder.pageOldestFirst(budget, after, (id) => {
      const event = this.events.get(id);
      if (!event) return undefined;
      if (query.code && event.code !== query.code) return undefined;
      if (query.since !== undefined && event.emittedAt < query.since) return undefined;
      if (query.until !== undefined && event.emittedAt >= query.until) return undefined;
      const { invocationIds: _listedApart, ...stored } = event;
      return itemBytes([JSON.stringify(stored)]);
    });
    const items = ids.map((id) => copyEvent(this.events.get(id) as StoredEvent));
    return next === undefined ? { items } : { items, nextPageToken: encodePageToken("me", String(next)) };
  }

  /** Keeps evaluations in the caller's synchronous step (settling an occurrence records and settles at once). */
  record(evaluations: readonly Evaluation[]): void {
    for (const evaluation of evaluations) {
      if (!this.deps.triggerExists(evaluation.triggerId)) continue;
      const list = getOrCreate(this.evaluations, evaluation.triggerId, (): Evaluation[] => []);
      list.push(evaluation);
      if (list.length > this.retention.evaluationsPerTrigger) list.shift();
    }
  }

  async recordEvaluations(evaluations: readonly Evaluation[]): Promise<void> {
    this.record(evaluations);
  }

  async listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]> {
    return (this.evaluations.get(triggerId) ?? []).slice(-limit).reverse();
  }

  /** The trigger was deleted: its history goes with it. */
  dropTrigger(triggerId: string): void {
    this.evaluations.delete(triggerId);
  }
}

/** Callers get snapshots: the provenance list changes in place. */
function copyEvent(event: StoredEvent): StoredEvent {
  return { ...event, invocationIds: [...event.invocationIds] };
}
