import { setLongTimeout } from "@nenc/protocol/timers";

/**
 * Time as the engine sees it. Production uses the system clock; tests of cron and
 * backoff inject a fake one and move it by hand.
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
