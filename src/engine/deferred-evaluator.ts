import type { Logger } from "../domain/logger.js";
import type { DeferredEvaluation, Store } from "../store/store.js";
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

  private async handle(item: DeferredEvaluation): Promise<void> {
    const compiled = this.index.get(item.triggerId);
    const records = compiled ? await this.evaluator.evaluate(compiled, item.occurrence) : [];
    await this.store.settleDeferred(item, records);
  }
}
