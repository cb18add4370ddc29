import type { Logger } from "../../domain/logger.js";
import type { Store } from "../../store/store.js";
import type { TaskRegistry } from "../registry/task-registry.js";
import type { TriggerRegistry } from "../registry/trigger-registry.js";

/**
 * Keeps this replica's task and trigger registry in step with the store although
 * change notices may be lost (Redis pub/sub keeps nothing for a subscriber that is
 * reconnecting). Every change moves the store's registry version by one and its
 * notice carries the version it produced; this tracks the versions whose notice
 * was applied here. When the store's version stays ahead of them from one check
 * to the next (a notice still on its way gets one sweep to arrive), a notice was
 * missed: everything is reloaded. The check costs no call of its own (the version
 * comes with the sweep's check-in); a reload happens only after a loss.
 */
export class RegistrySync {
  /** Every change up to this version is reflected here. */
  private applied = 0;
  /** Applied versions above `applied` (a lower one is still missing). */
  private readonly ahead = new Set<number>();
  /** The store's version at the last check, when it was ahead of `applied`. */
  private suspect: number | undefined;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<Store, "registry">,
    private readonly tasks: TaskRegistry,
    private readonly triggers: TriggerRegistry,
    private readonly logger: Logger,
  ) {}

  /** Loads tasks and triggers (start-up, or after a loss). */
  load(): Promise<void> {
    this.reloading ??= (async () => {
      // The version first: a change made while loading counts as not applied yet.
      const version = await this.store.registry.registryVersion();
      await Promise.all([this.tasks.load(), this.triggers.load()]);
      this.restartAt(version);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /**
   * Loads anew, after any load in flight: one that started before the store lost its
   * data may have read the old registry version, which would count as applied.
   */
  async loadFresh(): Promise<void> {
    await this.reloading?.catch(() => undefined);
    await this.load();
  }

  /** The change that produced `version` is reflected here (its notice was handled). */
  noticeApplied(version: number): void {
    if (!Number.isInteger(version) || version <= this.applied) return;
    this.ahead.add(version);
    while (this.ahead.delete(this.applied + 1)) this.applied++;
  }

  /**
   * One sweep's check: reloads when a change's notice was missed. `readVersion`
   * reads the store's registry version (the sweep's check-in, see
   * ReplicaMembership, answers it). Notices applied while it reads may move past
   * the answer: only a version below what was applied before the read went back.
   * Returns true when it went back: the store lost data, which RegistryRecovery
   * handles (its reload included); nothing is reloaded here then.
   */
  async check(readVersion: () => Promise<number>): Promise<boolean> {
    const appliedBefore = this.applied;
    const version = await readVersion();
    if (version < appliedBefore) return true;
    if (this.suspect !== undefined && this.applied < this.suspect) {
      await this.reload(`missed a registry change notice (version ${this.applied + 1})`);
      return false;
    }
    this.suspect = version > this.applied ? version : undefined;
    return false;
  }

  private async reload(why: string): Promise<void> {
    this.logger.warn("reloading tasks and triggers", { reason: why });
    await this.load();
  }

  private restartAt(version: number): void {
    this.applied = version;
    this.suspect = undefined;
    for (const seen of this.ahead) if (seen <= version) this.ahead.delete(seen);
    while (this.ahead.delete(this.applied + 1)) this.applied++;
  }
}
