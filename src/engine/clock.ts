import { setLongTimeout } from "@nenc/protocol/timers";

/**
 * Time as the engine sees it. Production uses the system clock; tests of cron and
 * backoff inject a fake one and move it by hand.
 *
 * The engine has two: `clock`, the time of triggers, attempts and leases (what a
 * test moves), and `processClock`, the time of the process and of the store's own
 * timers (claims kept against the store's idle time, pauses before a retry of a
 * failed read, the start write's delay, the shutdown's drain limit), which a fake
 * `clock` must not stop. Every timer of the engine goes through one of them.
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once `ms` have passed; returns a cancel function. */
  schedule(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule: (ms, callback) => setLongTimeout(ms, callback, { unref: true }),
};

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      cancel();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const cancel = clock.schedule(ms, done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Waits for `promise` at most until `deadline` on `clock`: true when it settled in
 * time (either way), false when the deadline came first. Only the wait is bounded.
 */
export async function settlesBy(clock: Clock, promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let cancel = () => {};
  const late = new Promise<false>((resolve) => {
    cancel = clock.schedule(deadline - clock.now(), () => resolve(false));
  });
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    cancel();
  }
}
