import type { Occurrence } from "../../src/domain/occurrence.js";
import type { Trigger } from "../../src/domain/trigger.js";

/** A runtime trigger of app "app" running "task" on event "e", with `overrides`. */
export function trigger(id: string, overrides: Partial<Trigger> = {}): Trigger {
  return {
    id,
    targetTaskId: "task",
    appId: "app",
    conditions: [{ kind: "event", code: "e" }],
    logic: "and",
    providers: [],
    join: { withinMs: 0, correlationKey: "", maxPending: 0 },
    origin: "runtime",
    paused: false,
    createdAt: 1,
    ...overrides,
  };
}

/** `count` events of code "e", ids ev0, ev1, ... */
export function events(count: number): Occurrence[] {
  return Array.from({ length: count }, (_, n) => ({
    kind: "event",
    id: `ev${n}`,
    at: n,
    code: "e",
    payload: {},
  }));
}
