import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** How often pages read again: the dashboard updates live without a reload. */
export const POLL_MS = 2_000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** Reads again now (after an action). */
  refresh: () => void;
}

/**
 * Calls `load` now and every POLL_MS while the page shows, and again whenever
 * `key` changes; keeps the last answer on screen while the next one loads.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, intervalMs = POLL_MS): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loader = useRef(load);
  loader.current = load;
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const answer = await loader.current();
        if (!live) return;
        setData(answer);
        setError(undefined);
      } catch (failure) {
        if (live) setError(failure instanceof Error ? failure.message : String(failure));
      }
      if (live) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, tick, intervalMs]);
  return { data, error, refresh };
}
