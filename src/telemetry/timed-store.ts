import { performance } from "node:perf_hooks";
import type { Store } from "../store/store.js";

/** Where the durations of one operation ("role.method") go, in seconds. */
export type SeriesOf = (op: string) => { observe(seconds: number): void };

/**
 * Requests that wait for something to arrive (up to their waitMs) rather than for
 * the store: their duration says how quiet the system is, not how fast the store is.
 */
const WAITING_OPS = new Set(["log.readOccurrences", "deferred.readDeferred"]);

/**
 * The store with the duration of each request observed: every method of its roles
 * that returns a promise (docs/design.md §5). The roles' own objects do the work;
 * this only delegates, so a store's internal calls between its roles are not counted.
 */
export function timedStore(store: Store, seriesOf: SeriesOf): Store {
  return {
    registry: timedRole("registry", store.registry, seriesOf),
    work: timedRole("work", store.work, seriesOf),
    log: timedRole("log", store.log, seriesOf),
    deferred: timedRole("deferred", store.deferred, seriesOf),
    triggerState: timedRole("triggerState", store.triggerState, seriesOf),
    replicas: timedRole("replicas", store.replicas, seriesOf),
    history: timedRole("history", store.history, seriesOf),
    get description() {
      return store.description;
    },
    subscribe: (listener) => store.subscribe(listener),
    followStatusChanges: (follow) => store.followStatusChanges(follow),
    followFinalStatuses: (follow) => store.followFinalStatuses(follow),
    watchStatuses: (watch) => store.watchStatuses(watch),
    stats: () => store.stats(),
    close: () => store.close(),
  };
}

/** A role object whose methods time the promises they return. */
function timedRole<R extends object>(role: string, target: R, seriesOf: SeriesOf): R {
  const timed: Record<string, unknown> = {};
  for (const name of methodNames(target)) {
    const op = new TimedOp(`${role}.${name}`, seriesOf);
    const method = (target as Record<string, (...args: unknown[]) => unknown>)[name] as (
      ...args: unknown[]
    ) => unknown;
    // The callbacks are inline and unnamed on purpose: a named closure made per call
    // costs a name assignment per call under tsx (its keepNames transform).
    timed[name] = WAITING_OPS.has(op.name)
      ? method.bind(target)
      : (...args: unknown[]) => {
          const started = performance.now();
          const answer = method.apply(target, args);
          if (answer instanceof Promise)
            answer.then(
              () => op.observe(started),
              () => op.observe(started),
            );
          return answer;
        };
  }
  return timed as R;
}

/** One timed operation: its series, made at its first request (methods never called as requests add none). */
class TimedOp {
  private series: ReturnType<SeriesOf> | undefined;

  constructor(
    readonly name: string,
    private readonly seriesOf: SeriesOf,
  ) {}

  /** A request that started at `started` (performance.now()) just ended. */
  observe(started: number): void {
    this.series ??= this.seriesOf(this.name);
    this.series.observe((performance.now() - started) / 1000);
  }
}

/** The methods an object answers to, its own and its classes' (not Object's). */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let proto = target; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== "constructor" && typeof descriptor?.value === "function") names.add(name);
    }
  }
  return [...names];
}
