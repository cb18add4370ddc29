import { NencError } from "../../domain/errors.js";
import type { Logger } from "../../domain/logger.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { Dispatcher } from "../invocations/dispatcher.js";
import type { RegistryRecovery } from "./registry-recovery.js";
import type { RegistrySync } from "./registry-sync.js";
import type { ReplicaMembership, StoreCheck } from "./replica-membership.js";

export interface MaintenanceOptions {
  sweepIntervalMs: number;
  /** A worker stream silent this long is closed (see OrchestratorOptions). */
  closeSilentStreamsAfterMs: number;
}

/** What {@link Maintenance} needs: one dependencies object. */
export interface MaintenanceDeps {
  store: Pick<Store, "work">;
  dispatcher: Dispatcher;
  clock: Clock;
  logger: Logger;
  options: MaintenanceOptions;
  registry: RegistrySync;
  membership: ReplicaMembership;
  recovery: RegistryRecovery;
}

/**
 * The periodic safety work: announce this replica to the others and read which are
 * alive (ReplicaMembership, one call that also reads the registry version), release
 * the assignments of workers whose lease ended and those a worker did not start
 * within a lease, announce retries that came due, sweep for work a lost notice
 * left queued, check that no registry change notice was lost (RegistrySync) and
 * that the store did not lose its data (RegistryRecovery).
 * Retries decided on this replica also get a precise wake-up (`wakeAt`).
 */
export class Maintenance {
  private cancelSweep: () => void = () => {};
  private readonly wakeups = new Set<() => void>();
  private stopped = false;

  constructor(private readonly deps: MaintenanceDeps) {}

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
    const cancel = this.deps.clock.schedule(time - this.deps.clock.now(), () => {
      this.wakeups.delete(cancel);
      this.deps.store.work.announceDueRetries(this.deps.clock.now()).catch((error: unknown) => {
        this.deps.logger.error("announcing retries failed", { error: String(error) });
      });
    });
    this.wakeups.add(cancel);
  }

  /** One sweep; exposed so tests with a fake clock can run it deterministically. */
  async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    // First: the other replicas judge this one alive, and its cron progress, by its check-in.
    await this.checkIn();
    const released = await this.deps.store.work.releaseExpiredWorkers(now);
    if (released.length > 0)
      this.deps.logger.warn("requeued the work of workers whose lease ended", { count: released.length });
    await this.takeBackUnstarted(now);
    await this.deps.store.work.announceDueRetries(now);
    this.closeSilentStreams(now);
    this.deps.dispatcher.pumpAll();
  }

  /** Work delivered and not started within a lease goes back to the queue (see AttemptDeadlines). */
  private async takeBackUnstarted(now: number): Promise<void> {
    for (const session of [...this.deps.dispatcher.all()]) {
      await session.deadlines?.sweep(now).catch((error: unknown) =>
        this.deps.logger.error("taking back unstarted work failed", {
          workerId: session.workerId,
          error: String(error),
        }),
      );
    }
  }

  /**
   * Checks in, and checks what that read: that no registry notice was missed, and
   * that the store did not lose its data (RegistryRecovery). Exposed for the
   * orchestrator's check after the store's connection came back.
   */
  async checkIn(): Promise<void> {
    const generation = this.deps.recovery.generation;
    let check: StoreCheck = { registryVersion: 0, awaitingApps: 0, activeInvocations: 0 };
    const wentBack = await this.deps.registry.check(async () => {
      check = await this.deps.membership.checkIn();
      return check.registryVersion;
    });
    await this.deps.recovery.check(check, wentBack, generation);
  }

  /**
   * A stream that sends nothing, not even heartbeats, is dead however open it looks
   * (a path that died unnoticed, a worker that moved to another replica): closing it
   * frees the credit this replica would go on reserving for it.
   */
  private closeSilentStreams(now: number): void {
    const cutoff = now - this.deps.options.closeSilentStreamsAfterMs;
    for (const session of [...this.deps.dispatcher.all()]) {
      if (session.closed || session.lastHeardAt >= cutoff) continue;
      this.deps.logger.warn("closed a worker stream that sent nothing for too long", {
        workerId: session.workerId,
        silentMs: now - session.lastHeardAt,
      });
      session.channel.close(
        new NencError(
          "UNAVAILABLE",
          `worker ${session.workerId} sent nothing for ${now - session.lastHeardAt} ms (heartbeats included): this stream is taken for dead; connect again`,
        ),
      );
    }
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.cancelSweep = this.deps.clock.schedule(this.deps.options.sweepIntervalMs, () => {
      this.sweep()
        .catch((error: unknown) =>
          this.deps.logger.error("maintenance sweep failed", { error: String(error) }),
        )
        .finally(() => this.scheduleSweep());
    });
  }
}
