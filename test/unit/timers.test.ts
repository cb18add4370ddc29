import { MAX_TIMER_MS, setLongTimeout } from "@nenc/protocol/timers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleepOn, systemClock } from "../../src/engine/clock.js";

describe("long timers", () => {
  let delays: number[];
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    delays = [];
    const original = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((callback: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return original(callback, ms);
    }) as typeof setTimeout);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  for (const [name, schedule] of [
    ["setLongTimeout", (ms: number, callback: () => void) => setLongTimeout(ms, callback)],
    ["systemClock.schedule (cron, retries, evaluations)", systemClock.schedule],
  ] as const) {
    it(`${name} waits a year in chunks no Node timer overflows on`, () => {
      const year = 365 * 24 * 3600 * 1000;
      let calls = 0;
      schedule(year, () => calls++);
      vi.advanceTimersByTime(year - 1);
      expect(calls).toBe(0);
      vi.advanceTimersByTime(1);
      expect(calls).toBe(1);
      expect(delays.length).toBe(Math.ceil(year / MAX_TIMER_MS));
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    });
  }

  it("cancels between chunks, and treats negative or NaN delays as now", () => {
    let calls = 0;
    const cancel = setLongTimeout(3 * MAX_TIMER_MS, () => calls++);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    cancel();
    vi.advanceTimersByTime(3 * MAX_TIMER_MS);
    expect(calls).toBe(0);
    setLongTimeout(-5, () => calls++);
    setLongTimeout(Number.NaN, () => calls++);
    vi.advanceTimersByTime(0);
    expect(calls).toBe(2);
  });

  it("sleepOn(systemClock) resolves at its time or when its signal aborts", async () => {
    const abort = new AbortController();
    let woke = 0;
    void sleepOn(systemClock, 10 * MAX_TIMER_MS, abort.signal).then(() => woke++);
    await vi.advanceTimersByTimeAsync(5 * MAX_TIMER_MS);
    expect(woke).toBe(0);
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(woke).toBe(1);
    void sleepOn(systemClock, 2 * MAX_TIMER_MS).then(() => woke++);
    await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS);
    expect(woke).toBe(2);
  });
});
