import { NencError } from "../domain/errors.js";

/**
 * Counts a request may carry, in one place: each bounds what one call can make the
 * orchestrator store, index or evaluate. Past one, the call is refused with
 * RESOURCE_EXHAUSTED naming the limit (README, limits table).
 */
export const COUNT_LIMITS = {
  /** Tasks one app declares (RegisterApp). */
  tasksPerApp: 1_000,
  /** Triggers one app declares on its tasks (RegisterApp). */
  declaredTriggersPerApp: 1_000,
  /** Runtime triggers (CreateTrigger) targeting one app's tasks. */
  runtimeTriggersPerApp: 1_000,
  /** Function ids a worker announces (hello and later announcements together). */
  functionsPerWorker: 10_000,
} as const;

/** Throws RESOURCE_EXHAUSTED when `count` passes `limit`, naming the field and the limit. */
export function requireAtMost(count: number, limit: number, field: string, what: string): void {
  if (count > limit) {
    throw new NencError("RESOURCE_EXHAUSTED", `has ${count} ${what}; the limit is ${limit}`, field);
  }
}
