import type { Clock } from "../../src/engine/clock.js";

/**
 * A clock the test moves by hand. Timers fire in time order as the clock passes
 * them, and the async work they start gets a chance to finish before the next one.
 */
export class FakeClock implements Clock {
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  schedule(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    while (true) {
      const due = this.timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
      await settleMicrotasks();
    }
    this.time = target;
    await settleMicrotasks();
  }
}

/** Lets promise chains started by a timer run to completion (no I/O involved). */
export async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Polls `check` in real time, moving `clock` 10 ms at each poll so that the engine's
 * own timers (batches, delayed writes) run meanwhile; fails after `timeoutMs` of real
 * time naming `what`. For waiting on work a fake timer started.
 */
export async function pollAdvancing<T>(
  clock: FakeClock,
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await clock.advance(10);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
