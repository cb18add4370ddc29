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
import { AgeIndex } from "./age-index.js";
import { pruneMarkers } from "./markers.js";

/** One AND trigger's partial state: its partitions and their entries in all. */
interface TriggerJoin {
  partitions: Map<string, JoinState>;
  /** The partitions by their oldest entry's firstAt (as Redis's joinage zset): the cap drops from the first. */
  ages: AgeIndex;
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
      (): TriggerJoin => ({ partitions: new Map(), ages: new AgeIndex(), entries: 0 }),
    );
    const before = join.partitions.get(partition);
    const result = step(before ?? { entries: [] });
    join.entries += result.state.entries.length - (before?.entries.length ?? 0);
    setPartition(join, partition, result.state);
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

/** Stores a partition's state (dropping it when empty) and keeps its place in the age order. */
function setPartition(join: TriggerJoin, partition: string, state: JoinState): void {
  const head = state.entries[0];
  if (head) {
    join.partitions.set(partition, state);
    join.ages.set(partition, head.firstAt);
  } else {
    join.partitions.delete(partition);
    join.ages.delete(partition);
  }
}

/**
 * Drops the oldest entries (by the first entry of each partition) beyond `max`:
 * O(log n) per dropped entry, the age order finding the oldest partition.
 */
function evictOldest(join: TriggerJoin, max: number): ExpiredMatch[] {
  const evicted: ExpiredMatch[] = [];
  while (join.entries > max) {
    const partition = join.ages.oldest();
    const state = partition === undefined ? undefined : join.partitions.get(partition);
    if (partition === undefined || !state) break;
    const [dropped, ...rest] = state.entries;
    if (dropped) evicted.push(expiredMatch(dropped, "cap"));
    setPartition(join, partition, { entries: rest });
    join.entries--;
  }
  return evicted;
}
