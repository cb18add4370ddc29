import { errorMessage } from "../domain/errors.js";
import type { Logger } from "../domain/logger.js";
import type { DeferredEvaluation, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import type { DeliveryCap } from "./delivery-cap.js";
import type { TriggerEvaluator } from "./trigger-evaluator.js";
import type { TriggerIndex } from "./trigger-index.js";

/**
 * Runs the evaluations that waited for a worker of their trigger's app, on the
 * replica where such a worker is connected. The apps read for are those with a
 * worker here now; the read is short so that a newly connected app is picked up fast.
 */
export class DeferredEvaluator {
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly index: TriggerIndex,
    private readonly evaluator: TriggerEvaluator,
    private readonly cap: DeliveryCap,
    private readonly clock: Clock,
    private readonly hostedApps: () => string[],
    private readonly logger: Logger,
    private readonly consumerId: string,
  ) {}

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
      const apps = this.hostedApps();
      try {
        if (apps.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const items = await this.store.readDeferred(apps, this.consumerId, 64, 500, signal);
        await Promise.all(items.map((item) => this.handle(item)));
      } catch (error) {
        if (signal.aborted) break;
        this.logger.error("running deferred evaluations failed; retrying", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** As OccurrenceProcessor does it: failures are handed out again, up to the delivery cap. */
  private async handle(item: DeferredEvaluation): Promise<void> {
    let lastError: string | undefined;
    if (!this.cap.exceeded(item.deliveries)) {
      try {
        const compiled = this.index.get(item.triggerId);
        const records = compiled ? await this.evaluator.evaluate(compiled, item.occurrence) : [];
        await this.store.settleDeferred(item, records);
        return;
      } catch (error) {
        if (!this.cap.reached(item.deliveries)) {
          this.logger.error("a deferred evaluation failed; it will be handed out again", {
            triggerId: item.triggerId,
            occurrenceId: item.occurrence.id,
            deliveries: item.deliveries,
            error: String(error),
          });
          return;
        }
        lastError = errorMessage(error);
      }
    }
    const records = this.cap.giveUp(
      item.occurrence.id,
      [item.triggerId],
      item.deliveries,
      this.clock.now(),
      lastError,
    );
    await this.store.settleDeferred(item, records).catch((error: unknown) => {
      this.logger.error("giving up a deferred evaluation failed; it will be handed out again", {
        occurrenceId: item.occurrence.id,
        error: String(error),
      });
    });
  }
}
