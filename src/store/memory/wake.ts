import { setLongTimeout } from "@nenc/protocol/timers";

/**
 * Waits until a function added to `waiters` is called (something was appended),
 * `ms` passed or `signal` aborted, whichever comes first.
 */
export function waitForWake(waiters: Set<() => void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      cancel();
      waiters.delete(done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const cancel = setLongTimeout(ms, done);
    waiters.add(done);
    signal.addEventListener("abort", done, { once: true });
  });
}
