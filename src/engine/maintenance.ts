import type { Logger } from "../domain/logger.js";
import type { StatusWatch, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import type { Dispatcher } from "./dispatcher.js";

/**
 * The periodic safety work: release the assignments of workers whose lease ended,
 * announce retries that came due, and sweep for work a lost notice left queued.
 * Retries decided on this replica also get a precise wake-up (`wakeAt`).
 */
export class Maintenance {
  private cancelSweep: () => void = () => {};
  private readonly wakeups = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly dispatcher: Dispatcher,
    private readonly clock: Clock,
    private readonly watch: StatusWatch,
    private readonly logger: Logger,
    private readonly sweepIntervalMs: number,
  ) {}

  start(): void {
    this.scheduleSweep();
  }

  stop(): void {
    this.stopped = true;
    this.cancelSweep();
    for (const cancel of this.wakeups) cancel();
    this.wakeups.clear();
  }

  /** Announces due retries at `time` (a retry's backoff ends). */
  wakeAt(time: number): void {
    if (this.stopped) return;
    const cancel = this.clock.schedule(time - this.clock.now(), () => {
      this.wakeups.delete(cancel);
      this.store.announceDueRetries(this.clock.now()).catch((error: unknown) => {
        this.logger.error("announcing retries failed", { error: String(error) });
      });
    });
    this.wakeups.add(cancel);
  }

  /** One sweep; exposed so tests with a fake clock can run it deterministically. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const released = await this.store.releaseExpiredWorkers(now, this.watch);
    if (released.length > 0)
      this.logger.warn("requeued the work of workers whose lease ended", { count: released.length });
    await this.store.announceDueRetries(now);
    this.dispatcher.pumpAll();
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.cancelSweep = this.clock.schedule(this.sweepIntervalMs, () => {
      this.sweep()
        .catch((error: unknown) => this.logger.error("maintenance sweep failed", { error: String(error) }))
        .finally(() => this.scheduleSweep());
    });
  }
}
