import {
  type ExpiredMatch,
  expiredMatch,
  type JoinMarker,
  type JoinState,
  type JoinStep,
} from "../../domain/join.js";
import { getOrCreate } from "../../domain/maps.js";
import type { RetentionOptions } from "../retention.js";
import type { JoinUpdate } from "../store.js";
import { pruneMarkers } from "./markers.js";

/** One AND trigger's partial state: its partitions and their entries in all. */
interface TriggerJoin {
  partitions: Map<string, JoinState>;
  entries: number;
}

/**
 * AND-join state in memory: partitions per trigger, once-per-occurrence markers
 * (kept for the marker retention, holding a step's outcome, not its state) and the
 * trigger-wide cap of waiting entries.
 */
export class MemoryJoins {
  private readonly joins = new Map<string, TriggerJoin>();
  private readonly markers = new Map<string, { marker: JoinMarker; at: number }>();

  constructor(private readonly retention: RetentionOptions) {}

  /** The marker of (trigger, occurrence), when that occurrence was applied before. */
  replayed(triggerId: string, occurrenceId: string): JoinUpdate | undefined {
    const found = this.markers.get(`${triggerId}|${occurrenceId}`);
    return found && { kind: "replayed", ...found.marker };
  }

  /** Applies a step to a live trigger's partition (see Store.updateJoin). */
  apply(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ): JoinUpdate {
    const join = getOrCreate(
      this.joins,
      triggerId,
      (): TriggerJoin => ({ partitions: new Map(), entries: 0 }),
    );
    const before = join.partitions.get(partition);
    const result = step(before ?? { entries: [] });
    join.entries += result.state.entries.length - (before?.entries.length ?? 0);
    if (result.state.entries.length > 0) join.partitions.set(partition, result.state);
    else join.partitions.delete(partition);
    const evicted = evictOldest(join, maxEntries);
    if (join.partitions.size === 0) this.joins.delete(triggerId);
    const now = Date.now();
    this.markers.set(`${triggerId}|${occurrenceId}`, {
      marker: { outcome: result.outcome, expired: result.expired },
      at: now,
    });
    pruneMarkers(this.markers, now, this.retention.markerRetentionMs);
    return { kind: "applied", outcome: result.outcome, expired: [...result.expired, ...evicted] };
  }

  list(triggerId: string): Array<{ partition: string; state: JoinState }> {
    return [...(this.joins.get(triggerId)?.partitions ?? [])].map(([partition, state]) => ({
      partition,
      state,
    }));
  }

  /** Forgets a deleted trigger's partial state (its markers expire with time). */
  drop(triggerId: string): void {
    this.joins.delete(triggerId);
  }
}

/** Drops the oldest entries (by the first entry of each partition) beyond `max`. */
function evictOldest(join: TriggerJoin, max: number): ExpiredMatch[] {
  const evicted: ExpiredMatch[] = [];
  while (join.entries > max) {
    let oldest: [string, JoinState] | undefined;
    for (const candidate of join.partitions) {
      const head = candidate[1].entries[0]?.firstAt ?? Number.POSITIVE_INFINITY;
      if (!oldest || head < (oldest[1].entries[0]?.firstAt ?? Number.POSITIVE_INFINITY)) oldest = candidate;
    }
    if (!oldest) break;
    const [partition, state] = oldest;
    const [dropped, ...rest] = state.entries;
    if (dropped) evicted.push(expiredMatch(dropped, "cap"));
    if (rest.length > 0) join.partitions.set(partition, { entries: rest });
    else join.partitions.delete(partition);
    join.entries--;
  }
  return evicted;
}
