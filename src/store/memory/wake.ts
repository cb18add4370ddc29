/**
 * Waits until a function added to `waiters` is called (something was appended),
 * `ms` passed or `signal` aborted, whichever comes first.
 */
export function waitForWake(waiters: Set<() => void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
    signal.addEventListener("abort", done, { once: true });
  });
}
