import { NencError } from "../domain/errors.js";

/**
 * Counts a request may carry, in one place: each bounds what one call can make the
 * orchestrator store, index or evaluate. Past one, the call is refused with
 * RESOURCE_EXHAUSTED naming the limit (README, limits table).
 */
export interface CountLimits {
  tasksPerApp: number;
  declaredTriggersPerApp: number;
  runtimeTriggersPerApp: number;
  functionsPerWorker: number;
}

/** The defaults (the orchestrator option `countLimits` overrides them). */
export const COUNT_LIMITS: CountLimits = {
  /** Tasks one app declares (RegisterApp). */
  tasksPerApp: 10_000,
  /** Triggers one app declares on its tasks (RegisterApp; a registration of that many is ~3 MB). */
  declaredTriggersPerApp: 10_000,
  /** Runtime triggers (CreateTrigger) of one app. */
  runtimeTriggersPerApp: 100_000,
  /** Function ids a worker announces (hello and later announcements together). */
  functionsPerWorker: 10_000,
};

/** Throws RESOURCE_EXHAUSTED when `count` passes `limit`, naming the field and the limit. */
export function requireAtMost(count: number, limit: number, field: string, what: string): void {
  if (count > limit) {
    throw new NencError("RESOURCE_EXHAUSTED", `has ${count} ${what}; the limit is ${limit}`, field);
  }
}
