import type { Logger } from "../../domain/logger.js";
import type { Clock } from "../clock.js";

/**
 * Keeps what this replica is still evaluating from being handed out again. The
 * store hands out an occurrence (or deferred evaluation) held unacknowledged for
 * its `reclaimAfterMs`, which is right for one whose replica crashed but wrong for
 * one whose evaluation is only slow (a filter waiting for a worker, a worker near
 * its evaluation timeout): it would be evaluated twice at once, and, past the
 * delivery cap, recorded as errored while its first evaluation fires. So every
 * `reclaimAfterMs / 3` the refs held that long (since read, or since last kept)
 * are kept, in one store call for all of them; a held ref is never idle for more
 * than about two thirds of `reclaimAfterMs`. A crashed replica keeps nothing, so
 * its refs are reclaimed as before.
 *
 * On the process clock, not the triggers' (see Clock): the store measures idle time
 * by its own clock (Redis's, or Date.now for memory), which a test's fake clock does
 * not move.
 */
export class ClaimKeeper {
  /** Ref → when it was read or last kept (on the process clock). */
  private readonly held = new Map<string, number>();
  private readonly everyMs: number;
  private cancelTimer: (() => void) | undefined;
  private keeping = false;

  /**
   * @param keep the store call that keeps refs (keepOccurrences or keepDeferred, bound to the consumer id)
   * @param what names the items in log lines ("occurrences", "deferred evaluations")
   * @param clock the process clock
   */
  constructor(
    reclaimAfterMs: number,
    private readonly keep: (refs: string[]) => Promise<void>,
    private readonly logger: Logger,
    private readonly what: string,
    private readonly clock: Clock,
  ) {
    this.everyMs = Math.max(1, Math.floor(reclaimAfterMs / 3));
  }

  /** The ref was just read: keep it while it is being evaluated. */
  hold(ref: string): void {
    this.held.set(ref, this.clock.now());
    if (!this.cancelTimer) this.arm();
  }

  /** Ticks every everyMs while anything is held. */
  private arm(): void {
    this.cancelTimer = this.clock.schedule(this.everyMs, () => {
      void this.tick();
      if (this.cancelTimer) this.arm();
    });
  }

  /** Its evaluation ended (settled, or left for redelivery). */
  release(ref: string): void {
    this.held.delete(ref);
    if (this.held.size === 0 && this.cancelTimer) {
      this.cancelTimer();
      this.cancelTimer = undefined;
    }
  }

  private async tick(): Promise<void> {
    if (this.keeping) return; // The last call is still waiting: the next tick retries.
    const now = this.clock.now();
    const due = [...this.held].filter(([, since]) => now - since >= this.everyMs).map(([ref]) => ref);
    if (due.length === 0) return;
    this.keeping = true;
    try {
      await this.keep(due);
      for (const ref of due) if (this.held.has(ref)) this.held.set(ref, now);
    } catch (error) {
      this.logger.warn(`keeping ${this.what} in evaluation failed; retrying at the next tick`, {
        count: due.length,
        error: String(error),
      });
    } finally {
      this.keeping = false;
    }
  }
}
