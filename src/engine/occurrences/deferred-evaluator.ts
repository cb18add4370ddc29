import type { Logger } from "../../domain/logger.js";
import type { DeferredEvaluation, Store } from "../../store/store.js";
import { type Clock, sleepOn } from "../clock.js";
import type { TriggerEvaluator } from "../triggers/trigger-evaluator.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import type { DeliveryCap } from "./delivery-cap.js";
import type { Gate } from "./gate.js";

/** What {@link DeferredEvaluator} needs: one dependencies object. */
export interface DeferredEvaluatorDeps {
  store: Pick<Store, "deferred">;
  /** The process clock (see Clock): pauses before retrying a failed read. */
  processClock: Clock;
  index: TriggerIndex;
  evaluator: TriggerEvaluator;
  cap: DeliveryCap;
  clock: Clock;
  hostedApps: () => string[];
  logger: Logger;
  /** The replica the store hands deferred evaluations to. */
  replicaId: string;
  /** Nothing is read while it is closed (the store's data is being recovered). */
  gate?: Gate;
}

/**
 * Runs the evaluations that waited for a worker of their trigger's app, on the
 * replica where such a worker is connected. The apps read for are those with a
 * worker here now; the read is short so that a newly connected app is picked up fast.
 * The store keeps an item with this replica until it is settled or handed back.
 */
export class DeferredEvaluator {
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly deps: DeferredEvaluatorDeps) {}

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
        const items = await this.deps.store.deferred.readDeferred(apps, this.deps.replicaId, 64, 500, signal);
        // Read while the gate closed: they stay with this replica, evaluated once it opens.
        if (items.length > 0) await this.deps.gate?.passed(signal);
        if (signal.aborted) break;
        await Promise.all(items.map((item) => this.handle(item)));
      } catch (error) {
        if (signal.aborted) break;
        this.deps.logger.error("running deferred evaluations failed; retrying", { error: String(error) });
        await sleepOn(this.deps.processClock, 200, signal);
      }
    }
  }

  /** Evaluates and settles one item under the delivery cap. */
  private async handle(item: DeferredEvaluation): Promise<void> {
    await this.deps.cap.deliver(
      { occurrenceId: item.occurrence.id, deliveries: item.deliveries, triggerIds: [item.triggerId] },
      {
        evaluate: async () => {
          const compiled = this.deps.index.get(item.triggerId);
          return compiled ? await this.deps.evaluator.evaluate(compiled, item.occurrence) : [];
        },
        settle: (records) => this.deps.store.deferred.settleDeferred(item, records),
        retry: () => this.deps.store.deferred.retryDeferred([item]),
        now: () => this.deps.clock.now(),
        failing: "a deferred evaluation",
        item: "a deferred evaluation",
        fields: { triggerId: item.triggerId, occurrenceId: item.occurrence.id },
      },
    );
  }
}
