/**
 * Node's timers hold at most 2^31−1 ms (~24.8 days): a longer delay fires after
 * 1 ms with a TimeoutOverflowWarning, so a cron slot a year away would spin. Every
 * timer of the orchestrator and of the TypeScript SDK goes through these helpers,
 * which wait in chunks.
 */

/** The longest delay one Node timer can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `callback` once `ms` have passed (any length; negative or NaN counts as 0),
 * waiting in chunks of at most MAX_TIMER_MS. Returns a function that cancels it.
 * With `unref`, a pending timer does not keep the process alive.
 */
export function setLongTimeout(
  ms: number,
  callback: () => void,
  options: { unref?: boolean } = {},
): () => void {
  const due = Date.now() + (Number.isFinite(ms) ? Math.max(0, ms) : ms > 0 ? Number.POSITIVE_INFINITY : 0);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = due - Date.now();
    if (left <= MAX_TIMER_MS) {
      timer = setTimeout(callback, Math.max(0, left));
    } else {
      timer = setTimeout(arm, MAX_TIMER_MS);
    }
    if (options.unref) timer.unref?.();
  };
  arm();
  return () => clearTimeout(timer);
}
