import { CronExpressionParser } from "cron-parser";
import { errorMessage, NencError } from "../../domain/errors.js";
import type { DstPolicy } from "../../domain/trigger.js";
import { instantsOf, localTime, offsetChangeNear } from "./zoned-time.js";

const ALIASES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** See CronSchedule.recentSlots. */
export interface RecentSlots {
  slots: number[];
  complete: boolean;
}

/** A validated cron schedule in one time zone. */
export interface CronSchedule {
  /** What makes two schedules the same: expression, zone and DST policy (conditions sharing it share a timer). */
  readonly key: string;
  readonly expression: string;
  readonly timezone: string;
  /** The first slot strictly after `time`. */
  next(time: number): number;
  /** The last slot at or before `time`. */
  latestAtOrBefore(time: number): number;
  /**
   * The newest slots in (after, until], oldest first: all those at or after
   * `keepFrom`, then at most `extra` older ones. `complete` is true when no other
   * slot of (after, until] is older than those. Walks back from `until`, so it costs
   * the slots it returns, however long the range (a month of a 6-field cron).
   */
  recentSlots(after: number, until: number, keepFrom: number, extra: number): RecentSlots;
}

const knownZones = new Set<string>();

/** True when `timezone` is an IANA zone this runtime knows (checking one costs ~0.1 ms: cached). */
export function isValidTimezone(timezone: string): boolean {
  if (knownZones.has(timezone)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    return false;
  }
  knownZones.add(timezone);
  return true;
}

/** Parsed schedules are immutable: thousands of triggers on one expression share one. */
const schedules = new Map<string, CronSchedule>();
const SCHEDULE_CACHE_LIMIT = 10_000;

/**
 * Parses a 5-field or 6-field (seconds first) cron expression, or an alias such as
 * `@hourly`. Throws INVALID_ARGUMENT naming `field` and saying what is wrong.
 */
export function parseCron(
  expression: string,
  timezone: string,
  field: string,
  dst: DstPolicy = DEFAULT_DST,
): CronSchedule {
  const key = `${expression}\u0000${timezone}\u0000${dst.repeatedHour}\u0000${dst.skippedHour}`;
  const cached = schedules.get(key);
  if (cached) return cached;
  const schedule = { ...parseUncached(expression, timezone, field, dst), key };
  if (schedules.size >= SCHEDULE_CACHE_LIMIT) schedules.delete(schedules.keys().next().value as string);
  schedules.set(key, schedule);
  return schedule;
}

/** A repeated local hour runs once; a skipped one runs at the first instant after the gap. */
export const DEFAULT_DST: DstPolicy = { repeatedHour: "once", skippedHour: "shift" };

function parseUncached(
  expression: string,
  timezone: string,
  field: string,
  dst: DstPolicy,
): Omit<CronSchedule, "key"> {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/);
  if (!ALIASES.has(trimmed) && fields.length !== 5 && fields.length !== 6) {
    throw NencError.invalid(
      `${field}.expression`,
      `cron expression "${expression}" has ${fields.length} fields; use 5 (minute hour day month weekday) or 6 (seconds first)`,
    );
  }
  const tz = timezone || "UTC";
  if (!isValidTimezone(tz)) {
    throw NencError.invalid(
      `${field}.timezone`,
      `unknown time zone "${timezone}"; use an IANA name such as "Europe/Paris"`,
    );
  }
  try {
    CronExpressionParser.parse(trimmed, { tz, currentDate: new Date(0) }).next();
  } catch (error) {
    throw NencError.invalid(
      `${field}.expression`,
      `invalid cron expression "${expression}": ${errorMessage(error)}`,
    );
  }
  if (tz !== "UTC") return zonedSchedule(trimmed, tz, dst);
  const iterate = (from: number) => CronExpressionParser.parse(trimmed, { tz, currentDate: new Date(from) });
  return {
    expression: trimmed,
    timezone: tz,
    next: (time) => iterate(time).next().getTime(),
    latestAtOrBefore: (time) =>
      iterate(time + 1)
        .prev()
        .getTime(),
    recentSlots(after, until, keepFrom, extra) {
      const newestFirst: number[] = [];
      const iterator = iterate(until + 1);
      let older = 0;
      let slot = iterator.prev().getTime();
      while (slot > after) {
        if (slot < keepFrom && older++ === extra) break;
        newestFirst.push(slot);
        slot = iterator.prev().getTime();
      }
      return { slots: newestFirst.reverse(), complete: slot <= after };
    },
  };
}

/** Local slots looked at per call at most: an expression that never matches ends here, not in a loop. */
const MAX_LOCAL_SLOTS = 100_000;

/**
 * A schedule in a zone with (possibly) daylight saving (docs/design.md §3.9): the
 * expression runs on the zone's local wall-clock time, iterated as floating time,
 * and each local slot becomes the instants `dst` says: in a repeated hour the first
 * (`once`) or both (`twice`), in a skipped hour the first instant after the gap
 * (`shift`) or none (`skip`). Slots that land on one instant count once.
 */
function zonedSchedule(expression: string, timezone: string, dst: DstPolicy): Omit<CronSchedule, "key"> {
  const floating = (from: number) =>
    CronExpressionParser.parse(expression, { tz: "UTC", currentDate: new Date(from) });
  const instants = (local: number): number[] => {
    const named = instantsOf(local, timezone);
    if ("gapEnd" in named) return dst.skippedHour === "shift" ? [named.gapEnd] : [];
    return dst.repeatedHour === "twice" ? named.instants : named.instants.slice(0, 1);
  };
  const next = (time: number): number => {
    const local = localTime(time, timezone);
    // Near a transition a slot's instant and its local time are up to the offset change apart.
    const margin = offsetChangeNear(local, timezone);
    const iterator = floating(local - margin);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < MAX_LOCAL_SLOTS; i++) {
      const slot = iterator.next().getTime();
      if (best !== Number.POSITIVE_INFINITY && slot > localTime(best, timezone) + margin) return best;
      for (const instant of instants(slot)) if (instant > time && instant < best) best = instant;
    }
    return best;
  };
  const latestAtOrBefore = (time: number): number => {
    const local = localTime(time, timezone);
    const margin = offsetChangeNear(local, timezone);
    const iterator = floating(local + margin + 1);
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < MAX_LOCAL_SLOTS; i++) {
      const slot = iterator.prev().getTime();
      if (best !== Number.NEGATIVE_INFINITY && slot < localTime(best, timezone) - margin) return best;
      for (const instant of instants(slot)) if (instant <= time && instant > best) best = instant;
    }
    return best;
  };
  return {
    expression,
    timezone,
    next,
    latestAtOrBefore,
    recentSlots(after, until, keepFrom, extra) {
      const newestFirst: number[] = [];
      let older = 0;
      let slot = latestAtOrBefore(until);
      while (slot > after) {
        if (slot < keepFrom && older++ === extra) break;
        newestFirst.push(slot);
        slot = latestAtOrBefore(slot - 1);
      }
      return { slots: newestFirst.reverse(), complete: slot <= after };
    },
  };
}
