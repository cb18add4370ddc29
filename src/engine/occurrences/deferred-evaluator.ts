import type { Logger } from "../../domain/logger.js";
import type { DeferredEvaluation, DeferredEvaluations, StoreLifecycle } from "../../store/store.js";
import { type Clock, sleepOn } from "../clock.js";
import type { TriggerEvaluator } from "../triggers/trigger-evaluator.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import { ClaimKeeper } from "./claim-keeper.js";
import type { DeliveryCap } from "./delivery-cap.js";
import type { Gate } from "./gate.js";

/** What {@link DeferredEvaluator} needs: one dependencies object. */
export interface DeferredEvaluatorDeps {
  store: StoreLifecycle & DeferredEvaluations;
  /** The process clock (see Clock): claims kept, pauses before retrying a failed read. */
  processClock: Clock;
  index: TriggerIndex;
  evaluator: TriggerEvaluator;
  cap: DeliveryCap;
  clock: Clock;
  hostedApps: () => string[];
  logger: Logger;
  consumerId: string;
  /** Nothing is read while it is closed (the store's data is being recovered). */
  gate?: Gate;
}

/**
 * Runs the evaluations that waited for a worker of their trigger's app, on the
 * replica where such a worker is connected. The apps read for are those with a
 * worker here now; the read is short so that a newly connected app is picked up fast.
 * An item still being evaluated is kept (ClaimKeeper), so a slow evaluation is not
 * handed out again meanwhile.
 */
export class DeferredEvaluator {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private readonly keeper: ClaimKeeper;

  constructor(private readonly deps: DeferredEvaluatorDeps) {
    const { store, logger, consumerId } = deps;
    this.keeper = new ClaimKeeper(
      store.reclaimAfterMs,
      (refs) => store.keepDeferred(consumerId, refs),
      logger,
      "deferred evaluations",
      deps.processClock,
    );
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await this.deps.gate?.passed(signal);
      const apps = this.deps.hostedApps();
      try {
        if (apps.length === 0) {
          await sleepOn(this.deps.processClock, 200, signal);
          continue;
        }
        const items = await this.deps.store.readDeferred(apps, this.deps.consumerId, 64, 500, signal);
        // Read while the gate closed: kept, and evaluated once it opens.
        if (this.deps.gate?.closed && items.length > 0) {
          for (const item of items) this.keeper.hold(item.ref);
          await this.deps.gate.passed(signal).finally(() => {
            for (const item of items) this.keeper.release(item.ref);
          });
          if (signal.aborted) break;
        }
        await Promise.all(items.map((item) => this.handle(item)));
      } catch (error) {
        if (signal.aborted) break;
        this.deps.logger.error("running deferred evaluations failed; retrying", { error: String(error) });
        await sleepOn(this.deps.processClock, 200, signal);
      }
    }
  }

  /** Evaluates and settles one item under the delivery cap, kept while it is evaluated. */
  private async handle(item: DeferredEvaluation): Promise<void> {
    this.keeper.hold(item.ref);
    try {
      await this.deps.cap.deliver(
        { occurrenceId: item.occurrence.id, deliveries: item.deliveries, triggerIds: [item.triggerId] },
        {
          evaluate: async () => {
            const compiled = this.deps.index.get(item.triggerId);
            return compiled ? await this.deps.evaluator.evaluate(compiled, item.occurrence) : [];
          },
          settle: (records) => this.deps.store.settleDeferred(item, records),
          now: () => this.deps.clock.now(),
          failing: "a deferred evaluation",
          item: "a deferred evaluation",
          fields: { triggerId: item.triggerId, occurrenceId: item.occurrence.id },
        },
      );
    } finally {
      this.keeper.release(item.ref);
    }
  }
}
