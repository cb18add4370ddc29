import { NencError } from "../domain/errors.js";
import { type Logger, silentLogger } from "../domain/logger.js";
import type { Occurrence } from "../domain/occurrence.js";
import type { TriggerDefinition } from "../domain/trigger.js";
import type { Store, StoreNotice } from "../store/store.js";
import { Admission } from "./admission.js";
import { DEFAULT_CEL_MAX_STEPS } from "./cel/cel-meter.js";
import { type Clock, settlesBy, sleepOn, systemClock } from "./clock.js";
import { Backfill, type BackfillOutcome } from "./cron/backfill.js";
import { CronScheduler } from "./cron/cron-scheduler.js";
import { Events } from "./events/events.js";
import { newId } from "./ids.js";
import { Dispatcher } from "./invocations/dispatcher.js";
import { Invocations } from "./invocations/invocations.js";
import { COUNT_LIMITS, type CountLimits } from "./limits.js";
import { DeferredEvaluator } from "./occurrences/deferred-evaluator.js";
import { DeliveryCap } from "./occurrences/delivery-cap.js";
import { Gate } from "./occurrences/gate.js";
import { OccurrenceProcessor } from "./occurrences/occurrence-processor.js";
import { TaskRegistry } from "./registry/task-registry.js";
import { TriggerRegistry } from "./registry/trigger-registry.js";
import { Maintenance } from "./replicas/maintenance.js";
import { RegistryRecovery } from "./replicas/registry-recovery.js";
import { RegistrySync } from "./replicas/registry-sync.js";
import { ReplicaMembership } from "./replicas/replica-membership.js";
import { type EngineTelemetry, NO_TELEMETRY } from "./telemetry.js";
import { type EngineTracing, PROPAGATION_ONLY } from "./tracing.js";
import { type CompiledTrigger, compileTrigger } from "./triggers/compiled-trigger.js";
import { MAX_RECENT, recentOccurrences } from "./triggers/recent-occurrences.js";
import { type DryRun, TriggerEvaluator } from "./triggers/trigger-evaluator.js";
import { TriggerIndex } from "./triggers/trigger-index.js";
import { FunctionRunner } from "./workers/function-runner.js";
import { WorkerGateway } from "./workers/worker-gateway.js";

export interface OrchestratorOptions {
  /** Tasks and triggers an app may have, function ids a worker may announce (see limits.ts). */
  countLimits: CountLimits;
  /** The time of triggers, attempts and leases (a test may move it by hand). */
  clock: Clock;
  /** The time of the process and the store's own timers (see Clock): real unless a test needs otherwise. */
  processClock: Clock;
  logger: Logger;
  /** Told what the engine does, for metrics (default: nothing is told). */
  telemetry: EngineTelemetry;
  /** Decides the trace context of new invocations and events (default: contexts are handed on as they came). */
  tracing: EngineTracing;
  /** Names this replica to the others and to the store (what it holds of the occurrence log). */
  replicaId: string;
  /** A worker silent this long loses its assignments. */
  leaseMs: number;
  heartbeatIntervalMs: number;
  maxConcurrency: number;
  /** Largest arguments, payload or result accepted, in bytes of JSON. */
  maxPayloadBytes: number;
  /**
   * An invocation its workers lost this many times (the stream ended, the lease ran
   * out, or it was not started within a lease) is failed as WorkerLost when it comes
   * round again, instead of being handed out for ever (a result that never arrives,
   * a task that takes its worker process down).
   */
  maxWorkerLosses: number;
  /**
   * Steps one CEL evaluation may take: elements its macros iterate over plus values
   * its comparisons read. Past it the evaluation is recorded as errored; a trigger
   * whose CEL needs more at every evaluation is refused when created.
   */
  celMaxSteps: number;
  /**
   * The most bytes of items one listing response holds (ListInvocations, ListEvents,
   * ExplainTrigger's history): a page ends early, with a nextPageToken. At least
   * one item is always returned, so keep it at least maxPayloadBytes.
   */
  maxResponseBytes: number;
  /** Open WatchInvocation streams a replica serves at most, over all connections. */
  maxWatchStreams: number;
  /** Open WatchInvocation streams one client connection (HTTP/2 connection) may hold. */
  maxWatchStreamsPerConnection: number;
  /** Result waits (SessionWatch) pending over the Session streams of one client connection. */
  maxSessionWaitsPerConnection: number;
  /** Result waits (SessionWatch) pending on a replica, over all connections. */
  maxSessionWaits: number;
  evaluationTimeoutMs: number;
  waitForWorkerMs: number;
  cronGraceMs: number;
  /**
   * A cron slot of a condition another replica owns is claimed here once it is this
   * late and its owner has not been heard of since the slot (it died or froze; one
   * heard of is busy, and left to claim it unless its claims stood still for four
   * cronGraceMs). Must be under cronGraceMs, so that such a slot still runs as due.
   */
  cronTakeoverMs: number;
  maxCatchUpSlots: number;
  maxInFlightOccurrences: number;
  /**
   * An occurrence (or deferred evaluation) whose evaluation failed this many times
   * (each handed out again after the store's redelivery delay) is recorded as errored in the
   * history of the triggers it concerns and acknowledged, not handed out again.
   */
  maxOccurrenceDeliveries: number;
  /** How often the maintenance sweep runs; a replica not seen for eight sweeps is not live (its cron share moves). */
  sweepIntervalMs: number;
  /** How long stop() waits for in-flight work and occurrences. */
  drainTimeoutMs: number;
  /**
   * A worker stream that sent nothing (not even a heartbeat) this long is closed: its
   * path died unnoticed, or the worker replaced it on another replica (0: three leases).
   */
  closeSilentStreamsAfterMs: number;
  /**
   * After the store lost its data (Redis restarted empty, or was flushed), how long
   * the apps of the connected workers, asked to register again, are awaited at most:
   * meanwhile Health answers NOT_SERVING and occurrences wait in the store.
   */
  awaitRegistrationMs: number;
}

/**
 * A replica is live while it announced itself within this many sweep intervals (it
 * does at each; under load a sweep can take a second or more: no flapping then).
 */
const LIVE_FOR_SWEEPS = 8;
/**
 * Past the drain limit, how long stop() still waits for the store to take what is
 * being settled or released (a store that does not answer is given up on).
 */
const STORE_GRACE_MS = 1_000;
/** A replica that announces itself while its cron claims stand still this many graces is stuck. */
const STUCK_OWNER_GRACES = 4;

export const DEFAULT_ORCHESTRATOR_OPTIONS: OrchestratorOptions = {
  clock: systemClock,
  processClock: systemClock,
  countLimits: COUNT_LIMITS,
  logger: silentLogger,
  telemetry: NO_TELEMETRY,
  tracing: PROPAGATION_ONLY,
  replicaId: "",
  leaseMs: 15_000,
  heartbeatIntervalMs: 5_000,
  maxConcurrency: 10_000,
  maxPayloadBytes: 1024 * 1024,
  maxWorkerLosses: 10,
  // Counted as JSON; Struct encoding can be larger: stays under the usual 4 MiB client receive limit.
  maxResponseBytes: 2 * 1024 * 1024,
  maxWatchStreams: 1_000,
  maxWatchStreamsPerConnection: 100,
  maxSessionWaitsPerConnection: 10_000,
  maxSessionWaits: 100_000,
  celMaxSteps: DEFAULT_CEL_MAX_STEPS,
  evaluationTimeoutMs: 30_000,
  waitForWorkerMs: 300_000,
  cronGraceMs: 5_000,
  cronTakeoverMs: 1_000,
  maxCatchUpSlots: 1_000,
  maxInFlightOccurrences: 512,
  maxOccurrenceDeliveries: 5,
  sweepIntervalMs: 250,
  drainTimeoutMs: 30_000,
  closeSilentStreamsAfterMs: 0,
  awaitRegistrationMs: 30_000,
};

/**
 * The engine, wired: everything the transport calls, on whichever store it is given.
 *
 * @example
 * const orchestrator = await Orchestrator.start(new MemoryStore());
 * await orchestrator.triggers.registerApp("shop", [{ id: "process_order" }], []);
 * await orchestrator.invocations.invoke("process_order", { orderId: "o1" });
 */
export class Orchestrator {
  readonly invocations: Invocations;
  readonly triggers: TriggerRegistry;
  readonly events: Events;
  readonly workers: WorkerGateway;
  readonly tasks: TaskRegistry;
  readonly index = new TriggerIndex();
  readonly options: OrchestratorOptions;
  private readonly dispatcher: Dispatcher;
  private readonly functions: FunctionRunner;
  private readonly processor: OccurrenceProcessor;
  private readonly deferred: DeferredEvaluator;
  private readonly cron: CronScheduler;
  private readonly backfiller: Backfill;
  private readonly evaluator: TriggerEvaluator;
  private readonly maintenance: Maintenance;
  private readonly registry: RegistrySync;
  private readonly membership: ReplicaMembership;
  private readonly recovery: RegistryRecovery;
  private unsubscribe: () => void = () => {};
  private unwatch: () => void = () => {};
  private state: "STARTING" | "RUNNING" | "DRAINING" | "STOPPED" = "STARTING";
  private readonly servingListeners = new Set<() => void>();
  private readonly stopController = new AbortController();
  private readonly admission = new Admission();

  private constructor(
    readonly store: Store,
    options: Partial<OrchestratorOptions>,
  ) {
    const o = resolveOptions(options);
    this.options = o;
    this.tasks = new TaskRegistry(store, o.clock);
    this.dispatcher = new Dispatcher({ store, clock: o.clock, logger: o.logger });
    this.functions = new FunctionRunner({
      sessions: () => this.dispatcher.all(),
      clock: o.clock,
      options: o,
    });
    ({ invocations: this.invocations, triggers: this.triggers, events: this.events } = this.createApis(o));
    // Closed while the store's data is being recovered: nothing is evaluated meanwhile.
    const gate = new Gate();
    ({
      registry: this.registry,
      membership: this.membership,
      recovery: this.recovery,
      maintenance: this.maintenance,
    } = this.createReplicaParts(o, gate));
    this.workers = new WorkerGateway(
      {
        store,
        dispatcher: this.dispatcher,
        functions: this.functions,
        tasks: this.tasks,
        clock: o.clock,
        logger: o.logger,
        processClock: o.processClock,
        onRetryScheduled: (time) => this.maintenance.wakeAt(time),
        telemetry: o.telemetry,
      },
      o,
    );
    ({
      processor: this.processor,
      deferred: this.deferred,
      cron: this.cron,
      backfill: this.backfiller,
      evaluator: this.evaluator,
    } = this.createEvaluation(o, gate));
  }

  /** What the transport's invocation, trigger and event services call. */
  private createApis(o: OrchestratorOptions) {
    const { store } = this;
    const { clock, logger, maxPayloadBytes, maxResponseBytes } = o;
    const invocations = new Invocations({
      store,
      tasks: this.tasks,
      clock,
      dispatcher: this.dispatcher,
      maxPayloadBytes,
      admission: this.admission,
      maxResponseBytes,
      tracing: o.tracing,
    });
    const triggers = new TriggerRegistry({
      store,
      countLimits: o.countLimits,
      index: this.index,
      tasks: this.tasks,
      clock,
      logger,
      admission: this.admission,
      celMaxSteps: o.celMaxSteps,
      maxResponseBytes,
      maxPayloadBytes,
    });
    const events = new Events({
      store,
      clock,
      maxPayloadBytes,
      admission: this.admission,
      maxResponseBytes,
      tracing: o.tracing,
    });
    return { invocations, triggers, events };
  }

  /** Registry sync, membership, data-loss recovery and the maintenance sweep that drives them. */
  private createReplicaParts(o: OrchestratorOptions, gate: Gate) {
    const { store } = this;
    const { clock, logger } = o;
    const liveForMs = LIVE_FOR_SWEEPS * o.sweepIntervalMs;
    const registry = new RegistrySync({ store, tasks: this.tasks, triggers: this.triggers, logger });
    const membership = new ReplicaMembership({
      store,
      clock,
      options: { replicaId: o.replicaId, liveForMs },
      progress: () => this.cron.claimedThrough,
    });
    const recovery = new RegistryRecovery(
      {
        store,
        registry,
        tasks: this.tasks,
        index: this.index,
        dispatcher: this.dispatcher,
        gate,
        awaitedInvocations: () => this.invocations.awaitedCount,
        clock,
        logger,
        onChange: () => this.servingChanged(),
      },
      { awaitMs: o.awaitRegistrationMs, settleMs: liveForMs },
    );
    const maintenance = new Maintenance({
      store,
      dispatcher: this.dispatcher,
      clock,
      logger,
      options: { ...o, closeSilentStreamsAfterMs: o.closeSilentStreamsAfterMs || 3 * o.leaseMs },
      registry,
      membership,
      recovery,
    });
    return { registry, membership, recovery, maintenance };
  }

  /** The occurrence log's reader, the deferred evaluations' and the cron scheduler, sharing one evaluator. */
  private createEvaluation(o: OrchestratorOptions, gate: Gate) {
    const { store, index } = this;
    const { clock, logger, processClock, replicaId } = o;
    const evaluator = new TriggerEvaluator({
      store,
      functions: this.functions,
      clock,
      dispatcher: this.dispatcher,
      telemetry: o.telemetry,
      tracing: o.tracing,
    });
    const cap = new DeliveryCap(o.maxOccurrenceDeliveries, logger, o.telemetry);
    const processor = new OccurrenceProcessor({
      store,
      processClock,
      index,
      evaluator,
      cap,
      clock,
      logger,
      options: { replicaId, maxInFlight: o.maxInFlightOccurrences, gate },
    });
    const deferred = new DeferredEvaluator({
      store,
      processClock,
      index,
      evaluator,
      cap,
      clock,
      hostedApps: () => [...new Set([...this.dispatcher.all()].map((session) => session.appId))],
      logger,
      replicaId,
      gate,
    });
    const backfill = new Backfill({ index, evaluator, store, clock, telemetry: o.telemetry });
    const cron = new CronScheduler({
      store,
      index,
      clock,
      logger,
      membership: this.membership,
      reserve: (taskId) => this.dispatcher.reserve(taskId),
      telemetry: o.telemetry,
      tracing: o.tracing,
      options: {
        graceMs: o.cronGraceMs,
        maxCatchUpSlots: o.maxCatchUpSlots,
        takeoverMs: o.cronTakeoverMs,
        stuckOwnerMs: STUCK_OWNER_GRACES * o.cronGraceMs,
      },
    });
    return { processor, deferred, cron, backfill, evaluator };
  }

  /** Loads triggers and tasks from the store and starts every loop. */
  static async start(store: Store, options: Partial<OrchestratorOptions> = {}): Promise<Orchestrator> {
    const orchestrator = new Orchestrator(store, options);
    orchestrator.unsubscribe = store.subscribe((notice) => orchestrator.onNotice(notice));
    orchestrator.unwatch = store.watchStatuses(orchestrator.index);
    await orchestrator.recovery.open();
    await orchestrator.registry.load();
    // Known to the others, and knowing them, before its cron claims anything (and
    // holding evaluation back if the store is being recovered).
    await orchestrator.maintenance.checkIn();
    orchestrator.processor.start();
    orchestrator.deferred.start();
    orchestrator.cron.start();
    orchestrator.maintenance.start();
    orchestrator.state = "RUNNING";
    return orchestrator;
  }

  /** Running, and not recovering from a loss of the store's data (see RegistryRecovery). */
  get serving(): boolean {
    return this.state === "RUNNING" && !this.recovery.recovering;
  }

  /**
   * Aborted once the orchestrator has stopped (its reason an UNAVAILABLE NencError):
   * long waits and streams end with it, so the port can close without cutting them.
   */
  get stoppedSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Calls `listener` when `serving` changes (draining starts, a recovery starts or ends); returns the unsubscribe function. */
  onServingChange(listener: () => void): () => void {
    this.servingListeners.add(listener);
    return () => this.servingListeners.delete(listener);
  }

  /**
   * Graceful stop: no new work is accepted (invoke, emit, create trigger and replay
   * answer UNAVAILABLE, see Admission), no new assignments, in-flight work and queued
   * occurrences finish, then loops stop. All of it within drainTimeoutMs: an
   * evaluation waiting for a worker that knows its function is deferred at once
   * (stored for another replica or the next start), one still waiting at the limit
   * too, and a store that does not answer is given up on (what it held is handed out
   * again after reclaimAfterMs). Work still held afterwards goes back to the queue.
   */
  async stop(): Promise<void> {
    if (this.state === "STOPPED" || this.state === "DRAINING") return;
    this.state = "DRAINING";
    this.admission.close();
    this.servingChanged();
    const { drainTimeoutMs, logger, processClock } = this.options;
    // The drain limit bounds the process's shutdown: process time, whatever clock the triggers run on.
    const deadline = processClock.now() + drainTimeoutMs;
    this.cron.stop();
    this.functions.stopWaiting();
    // The others take over its cron share at their next sweep (a crash: once it is no longer live).
    const left = this.membership
      .leave()
      .catch((error: unknown) => logger.warn("leaving the replicas failed", { error: String(error) }));
    this.dispatcher.stop();
    while (processClock.now() < deadline && this.inFlightAssignments() > 0) await sleepOn(processClock, 20);
    this.maintenance.stop();
    const evaluations = Promise.all([this.processor.stop(), this.deferred.stop()]);
    if (!(await settlesBy(processClock, evaluations, deadline))) {
      // Answers still awaited from workers: defer those evaluations too, and give them a moment to be stored.
      this.functions.stop();
      if (!(await settlesBy(processClock, evaluations, processClock.now() + STORE_GRACE_MS))) {
        logger.error("stopped with evaluations unsettled after the drain limit; they are handed out again", {
          drainTimeoutMs,
        });
      }
    }
    this.functions.stop();
    await settlesBy(
      processClock,
      Promise.all([this.releaseWorkers(), left]),
      Math.max(deadline, processClock.now() + STORE_GRACE_MS),
    );
    this.unsubscribe();
    this.unwatch();
    this.state = "STOPPED";
    this.stopController.abort(
      new NencError("UNAVAILABLE", "the orchestrator stopped; retry on another replica or after its restart"),
    );
    logger.info("orchestrator stopped");
  }

  /** Closes every worker stream; what they held goes back to the queue. */
  private async releaseWorkers(): Promise<void> {
    const sessions = [...this.dispatcher.all()];
    for (const session of sessions) {
      this.dispatcher.remove(session);
      session.channel.close();
    }
    const now = this.options.clock.now();
    await Promise.all(sessions.map((session) => this.store.work.releaseWorker(session.ref, now)));
  }

  /**
   * Fires every past cron slot of trigger `triggerId` in [from, to] exactly once,
   * deduplicating those that fired already (docs/design.md §3.9).
   */
  async backfill(triggerId: string, from: number, to: number): Promise<BackfillOutcome> {
    this.admission.require();
    return this.backfiller.run(await this.compiledTrigger(triggerId), from, to);
  }

  /**
   * What a stored trigger (by id) or a definition would do with `occurrence`, nothing
   * fired or recorded (docs/design.md §3.13). `occurrenceOf` builds the occurrence
   * once the trigger is known (a cron slot names its trigger and condition).
   */
  async dryRun(
    subject: { triggerId: string } | { definition: TriggerDefinition },
    occurrenceOf: (compiled: CompiledTrigger) => Occurrence,
  ): Promise<DryRun> {
    const compiled =
      "triggerId" in subject
        ? await this.compiledTrigger(subject.triggerId)
        : compileTrigger(
            { ...subject.definition, id: "dry-run", origin: "runtime", paused: false, createdAt: 0 },
            "definition",
            { strict: true, celMaxSteps: this.options.celMaxSteps },
          );
    return this.evaluator.dryRun(compiled, occurrenceOf(compiled));
  }

  /**
   * A dry run of the last `count` stored occurrences of a stored trigger's sources,
   * newest first, each with what the trigger would do with it (docs/design.md §3.13).
   */
  async dryRunRecent(
    triggerId: string,
    count: number,
  ): Promise<Array<{ occurrence: Occurrence; run: DryRun }>> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_RECENT)
      throw NencError.invalid("recent", `must be between 1 and ${MAX_RECENT}`);
    const compiled = await this.compiledTrigger(triggerId);
    const occurrences = await recentOccurrences(compiled, this, count, this.options.clock.now());
    const runs: Array<{ occurrence: Occurrence; run: DryRun }> = [];
    for (const occurrence of occurrences)
      runs.push({ occurrence, run: await this.evaluator.dryRun(compiled, occurrence) });
    return runs;
  }

  /** A stored trigger as the index holds it (read from the store when this replica has not seen it yet). */
  private async compiledTrigger(triggerId: string): Promise<CompiledTrigger> {
    await this.triggers.get(triggerId);
    if (!this.index.get(triggerId)) await this.triggers.refresh(triggerId);
    const compiled = this.index.get(triggerId);
    if (!compiled) throw NencError.notFound("trigger", triggerId, "list triggers to see the ids");
    return compiled;
  }

  /**
   * Resolves once nothing is moving: no occurrence waits for evaluation and no
   * invocation is unfinished (seen twice in a row). For tests and examples that
   * assert exact counts; rejects after `timeoutMs`.
   */
  async settled(timeoutMs = 10_000): Promise<void> {
    const { processClock } = this.options;
    const deadline = processClock.now() + timeoutMs;
    let quietChecks = 0;
    while (quietChecks < 2) {
      const stats = await this.store.stats();
      quietChecks = stats.activeInvocations === 0 && stats.occurrenceBacklog === 0 ? quietChecks + 1 : 0;
      if (processClock.now() > deadline) {
        throw new Error(
          `not settled after ${timeoutMs} ms: ${stats.activeInvocations} unfinished invocations, ${stats.occurrenceBacklog} occurrences`,
        );
      }
      await sleepOn(processClock, quietChecks > 0 ? 5 : 10);
    }
  }

  private servingChanged(): void {
    for (const listener of [...this.servingListeners]) listener();
  }

  private inFlightAssignments(): number {
    let count = 0;
    for (const session of this.dispatcher.all()) count += session.inFlight;
    return count;
  }

  private onNotice(notice: StoreNotice): void {
    const { logger } = this.options;
    // A registry notice counts as applied only once its refresh succeeded: a failed
    // one leaves a gap that the sweep's version check fills by reloading. No closure
    // up front: work and status notices (several per job) need none.
    switch (notice.type) {
      case "work":
        this.dispatcher.onWork(notice.taskId);
        return;
      case "invocation":
        this.invocations.onStatus(notice.invocationId, notice.status);
        return;
      case "trigger":
        this.triggers
          .refresh(notice.triggerId)
          .then(
            () => this.registry.noticeApplied(notice.version),
            reloadFailed(logger, "refreshing a trigger", { triggerId: notice.triggerId }),
          );
        return;
      case "app":
        this.tasks
          .load()
          .then(
            () => this.registry.noticeApplied(notice.version),
            reloadFailed(logger, "reloading the tasks", { appId: notice.appId }),
          );
        return;
      case "resync":
        // Notices were lost while the store reconnected: whatever they would have told.
        // The store may have come back empty: that is checked first, so that nothing
        // is evaluated against an emptied registry before the recovery holds it back.
        logger.warn("store notices may have been lost; reloading tasks and triggers");
        this.maintenance
          .checkIn()
          .then(() => this.registry.load())
          .catch(reloadFailed(logger, "checking the store and reloading tasks and triggers", {}));
        this.invocations.recheckWaiters().catch(reloadFailed(logger, "rechecking result waiters", {}));
        this.dispatcher.pumpAll();
        return;
    }
  }
}

/** The handler of a failed refresh after a store notice: logged, the sweep reloads. */
function reloadFailed(
  logger: Logger,
  what: string,
  fields: Record<string, unknown>,
): (error: unknown) => void {
  return (error) =>
    logger.error(`${what} failed; the sweep will reload`, { ...fields, error: String(error) });
}

/** The options with their defaults, checked: refuses settings that cannot work together. */
function resolveOptions(options: Partial<OrchestratorOptions>): OrchestratorOptions {
  const o = { ...DEFAULT_ORCHESTRATOR_OPTIONS, ...options };
  if (!o.replicaId) o.replicaId = newId("replica");
  if (!(o.cronTakeoverMs < o.cronGraceMs)) {
    throw NencError.invalid(
      "cronTakeoverMs",
      `cronTakeoverMs (NENC_CRON_TAKEOVER_MS, ${o.cronTakeoverMs} ms) must be less than cronGraceMs (NENC_CRON_GRACE_MS, ${o.cronGraceMs} ms): the slots of a dead replica would be missed instead of run late`,
    );
  }
  if (!Number.isInteger(o.celMaxSteps) || o.celMaxSteps < 1) {
    throw NencError.invalid(
      "celMaxSteps",
      `is ${o.celMaxSteps} (NENC_CEL_MAX_STEPS); give a whole number of steps, at least 1 (default ${DEFAULT_CEL_MAX_STEPS})`,
    );
  }
  return o;
}
