import { CronExpressionParser } from "cron-parser";
import { errorMessage, NencError } from "../../domain/errors.js";

const ALIASES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** See CronSchedule.recentSlots. */
export interface RecentSlots {
  slots: number[];
  complete: boolean;
}

/** A validated cron schedule in one time zone. */
export interface CronSchedule {
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
export function parseCron(expression: string, timezone: string, field: string): CronSchedule {
  const key = `${expression}\u0000${timezone}`;
  const cached = schedules.get(key);
  if (cached) return cached;
  const schedule = parseUncached(expression, timezone, field);
  if (schedules.size >= SCHEDULE_CACHE_LIMIT) schedules.delete(schedules.keys().next().value as string);
  schedules.set(key, schedule);
  return schedule;
}

function parseUncached(expression: string, timezone: string, field: string): CronSchedule {
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
