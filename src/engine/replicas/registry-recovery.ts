import { NencError } from "../../domain/errors.js";
import type { Logger } from "../../domain/logger.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { Dispatcher } from "../invocations/dispatcher.js";
import type { Gate } from "../occurrences/gate.js";
import type { TaskRegistry } from "../registry/task-registry.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import type { RegistrySync } from "./registry-sync.js";
import type { StoreCheck } from "./replica-membership.js";

export interface RegistryRecoveryOptions {
  /** The apps asked to register again are awaited this long at most (then the replica serves without them). */
  awaitMs: number;
  /**
   * A recovery lasts at least this long: by then every live replica has checked in
   * (they do at every sweep), noticed the loss and named the apps it awaits, so no
   * replica evaluates what was held back before every awaited app is back.
   */
  settleMs: number;
}

export interface RegistryRecoveryDeps {
  store: Pick<Store, "registry">;
  registry: RegistrySync;
  tasks: TaskRegistry;
  index: TriggerIndex;
  dispatcher: Dispatcher;
  /** Closed while recovering: occurrences and deferred evaluations wait in the store. */
  gate: Gate;
  /** Invocations that clients wait on here (their records are gone with the data). */
  awaitedInvocations: () => number;
  clock: Clock;
  logger: Logger;
  /** `recovering` changed. */
  onChange: () => void;
}

/** What this replica knew just before it noticed the loss: what must come back, and what cannot. */
interface Census extends Record<string, unknown> {
  tasks: number;
  declaredTriggers: number;
  runtimeTriggers: number;
  runtimeTriggerIds: string[];
  assignmentsRunning: number;
  invocationsAwaited: number;
  invocationsUnfinished: number;
}

/** At most this many runtime trigger ids are named in the log line (the count is exact). */
const MAX_IDS_LOGGED = 50;

/**
 * Notices that the store lost its data and recovers what can come back. The store's
 * data set has an identity (RegistryStore.openDataSet); the sweep's check-in reads it. When
 * it is gone or changed (Redis restarted empty, or was flushed), or the registry
 * version went back, the data was lost, which a connection that broke and came back
 * (Redis restarted with its data) never shows. Then this replica:
 * - stops evaluating (the gate): occurrences logged meanwhile stay in the store,
 *   unread, until the triggers they must meet are back;
 * - names the apps of its connected workers as awaited, reloads its registry (now
 *   empty) and closes those workers' streams with NOT_FOUND, which every SDK answers
 *   by registering its app again and reconnecting;
 * - logs as an error, with counts, what cannot come back (runtime triggers; the
 *   invocations unfinished at the last check-in before, running here, or awaited here);
 * - reports not serving (Health NOT_SERVING) until no app is awaited any more (each
 *   registered again, or the wait ended) and `settleMs` passed; then reloads its
 *   registry and evaluates what was held back. Firing identities keep that exactly once.
 * A replica that starts while apps are awaited holds its evaluation the same way.
 */
export class RegistryRecovery {
  private dataSet = "";
  private since: number | undefined;
  private awaited = new Set<string>();
  private checks: Promise<void> = Promise.resolve();
  private lossesHandled = 0;
  /** Unfinished invocations in the store at the last check-in that found it intact. */
  private unfinished = 0;

  constructor(
    private readonly deps: RegistryRecoveryDeps,
    private readonly options: RegistryRecoveryOptions,
  ) {}

  /** True from a loss noticed until its registry is back. */
  get recovering(): boolean {
    return this.since !== undefined;
  }

  /** A number that moves with every loss handled: pass the one read before a check-in to check(). */
  get generation(): number {
    return this.lossesHandled;
  }

  /** At start-up: the data set's identity (a new store gets one now). */
  async open(): Promise<void> {
    this.dataSet = await this.deps.store.registry.openDataSet([], 0);
  }

  /**
   * Judges what a check-in read: a loss starts a recovery, a recovery whose apps
   * are back ends. `generation` is the one read before that check-in was sent: an
   * answer sent before a loss was handled here is stale and ignored. Checks run one
   * at a time.
   */
  check(check: StoreCheck, versionWentBack: boolean, generation: number): Promise<void> {
    const run = this.checks.then(() =>
      generation === this.lossesHandled ? this.judge(check, versionWentBack) : undefined,
    );
    this.checks = run.catch(() => undefined);
    return run;
  }

  private async judge(check: StoreCheck, versionWentBack: boolean): Promise<void> {
    if (check.dataSet === undefined) return; // this replica left: nothing to judge
    if (check.dataSet !== this.dataSet) {
      const how = check.dataSet === "" ? "is gone" : "was replaced (another replica noticed first)";
      return this.lost(`its data set ${how}: Redis restarted empty, or was flushed`);
    }
    if (versionWentBack) return this.lost("its registry version went back: Redis restarted with older data");
    this.unfinished = check.activeInvocations;
    const since = this.since;
    if (since === undefined) {
      if (check.awaitingApps > 0) this.join(check.awaitingApps);
      return;
    }
    if (check.awaitingApps === 0 && this.deps.clock.now() - since >= this.options.settleMs)
      await this.complete(since);
  }

  private async lost(reason: string): Promise<void> {
    const { store, registry, dispatcher, gate, clock, logger } = this.deps;
    this.lossesHandled++;
    const first = this.since === undefined;
    gate.close();
    this.since = clock.now();
    if (first) this.deps.onChange();
    const census = this.census();
    const sessions = [...dispatcher.all()];
    const apps = [...new Set(sessions.map((session) => session.appId))].sort();
    // Awaited in the store before any worker is asked: its registration then ends the wait.
    this.dataSet = await store.registry.openDataSet(apps, this.options.awaitMs);
    for (const app of apps) this.awaited.add(app);
    await registry.loadFresh();
    // Check-ins sent before now may have read the old identity, or compared the new
    // registry version with the old one applied here: stale, like those sent before.
    this.lossesHandled++;
    for (const session of sessions) {
      session.channel.close(
        new NencError(
          "NOT_FOUND",
          `the orchestrator's store lost its data (${reason}): app "${session.appId}" and its tasks are not registered any more; register the app again and reconnect`,
        ),
      );
    }
    logger.error(
      "the store lost its data: connected workers are asked to register again; runtime triggers and invocations cannot come back",
      { reason, ...census, appsAwaited: apps, workerStreamsClosed: sessions.length },
    );
  }

  /**
   * Another replica recovers from a loss this one did not see (it started since):
   * this one holds evaluation too until the apps awaited are back.
   */
  private join(awaitingApps: number): void {
    this.deps.gate.close();
    this.since = this.deps.clock.now();
    this.deps.onChange();
    this.deps.logger.warn("the store is being recovered after a loss of its data: evaluation waits", {
      awaitingApps,
    });
  }

  private async complete(since: number): Promise<void> {
    const { registry, tasks, index, gate, clock, logger } = this.deps;
    await registry.loadFresh();
    const registered = new Set(tasks.list().map((task) => task.appId));
    const missing = [...this.awaited].filter((app) => !registered.has(app)).sort();
    this.since = undefined;
    this.awaited.clear();
    gate.open();
    this.deps.onChange();
    const fields = { tasks: tasks.list().length, triggers: index.size, recoveredInMs: clock.now() - since };
    if (missing.length > 0)
      logger.error("serving again after the store lost its data, but these apps did not register again", {
        ...fields,
        appsMissing: missing,
      });
    else logger.info("serving again: the registry is back after the store lost its data", fields);
  }

  private census(): Census {
    const runtime: string[] = [];
    let declared = 0;
    for (const { trigger } of this.deps.index.all()) {
      if (trigger.origin === "declared") declared++;
      else runtime.push(trigger.id);
    }
    let running = 0;
    for (const session of this.deps.dispatcher.all()) running += session.inFlight;
    return {
      tasks: this.deps.tasks.list().length,
      declaredTriggers: declared,
      runtimeTriggers: runtime.length,
      runtimeTriggerIds: runtime.sort().slice(0, MAX_IDS_LOGGED),
      assignmentsRunning: running,
      invocationsAwaited: this.deps.awaitedInvocations(),
      invocationsUnfinished: this.unfinished,
    };
  }
}
