/**
 * Local wall-clock time in an IANA zone, as "floating" milliseconds: the local date
 * and time read as if they were UTC. A cron expression is iterated on floating time
 * (where no hour is skipped or repeated), and each local slot is then mapped to the
 * instants it names (docs/design.md §3.9): none in a spring-forward gap, two in a
 * fall-back overlap, else one.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The local wall-clock time of `instant` in `timezone`, as floating ms. */
export function localTime(instant: number, timezone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timezone).formatToParts(instant))
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  const wall = Date.UTC(
    parts.year as number,
    (parts.month as number) - 1,
    parts.day as number,
    parts.hour as number,
    parts.minute as number,
    parts.second as number,
  );
  return wall + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, in ms (local − UTC). */
export function offsetAt(instant: number, timezone: string): number {
  return localTime(instant, timezone) - instant;
}

/** How far the offset moves across the day around floating time `local` (0 away from transitions). */
export function offsetChangeNear(local: number, timezone: string): number {
  return Math.abs(offsetAt(local + DAY_MS, timezone) - offsetAt(local - DAY_MS, timezone));
}

/** What a local time names in a zone: the instants that show it, or the gap it falls in. */
export type LocalInstants = { instants: number[] } | { gapEnd: number };

/**
 * The instants whose local time in `timezone` is `local` (floating ms), earliest
 * first: two in a repeated hour, one usually; in a skipped hour none, and then
 * `gapEnd`, the first instant after the gap.
 */
export function instantsOf(local: number, timezone: string): LocalInstants {
  const before = offsetAt(local - DAY_MS, timezone);
  const after = offsetAt(local + DAY_MS, timezone);
  const candidates = [...new Set([local - before, local - after])].sort((a, b) => a - b);
  const instants = candidates.filter((instant) => localTime(instant, timezone) === local);
  if (instants.length > 0) return { instants };
  // In a gap: the local clock jumps over `local` at the transition, between the candidates.
  let low = candidates[0] as number;
  let high = candidates[candidates.length - 1] as number;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (localTime(middle, timezone) > local) high = middle;
    else low = middle;
  }
  return { gapEnd: high };
}
