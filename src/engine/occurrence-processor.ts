import { errorMessage } from "../domain/errors.js";
import type { Evaluation } from "../domain/evaluation.js";
import type { Logger } from "../domain/logger.js";
import type { LoggedOccurrence, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import type { DeliveryCap } from "./delivery-cap.js";
import type { TriggerEvaluator } from "./trigger-evaluator.js";
import type { TriggerIndex } from "./trigger-index.js";

export interface OccurrenceProcessorOptions {
  consumerId: string;
  /** Occurrences evaluated at the same time, at most. */
  maxInFlight: number;
}

/**
 * Reads the occurrence log as it grows (no polling loop: the read returns the moment
 * something is appended) and evaluates each occurrence against the triggers that
 * listen to it. An occurrence is acknowledged only after every trigger handled it,
 * so a crash or a store failure re-delivers it and exactly-once firing absorbs the
 * repeat.
 */
export class OccurrenceProcessor {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private pendingRecords: Evaluation[] = [];
  private pendingRefs: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly index: TriggerIndex,
    private readonly evaluator: TriggerEvaluator,
    private readonly cap: DeliveryCap,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OccurrenceProcessorOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops reading; resolves once in-flight evaluations ended. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const room = this.options.maxInFlight - this.inFlight;
      if (room <= 0) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      let batch: LoggedOccurrence[];
      try {
        batch = await this.store.readOccurrences(this.options.consumerId, Math.min(room, 256), 1000, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.error("reading occurrences failed; retrying", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const item of batch) void this.handle(item);
    }
  }

  /**
   * Records the evaluations, then acknowledges the occurrence. Occurrences finishing
   * together share one store step (one round trip for many).
   */
  private settle(records: Evaluation[], ref: string): Promise<void> {
    this.pendingRecords.push(...records);
    this.pendingRefs.push(ref);
    this.flushing ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const records = this.pendingRecords.splice(0);
        const refs = this.pendingRefs.splice(0);
        this.flushing = undefined;
        this.store.settleOccurrences(records, refs).then(resolve, reject);
      });
    });
    return this.flushing;
  }

  private async handle(item: LoggedOccurrence): Promise<void> {
    this.inFlight++;
    try {
      await this.evaluateAndSettle(item);
    } finally {
      this.inFlight--;
      this.slotWaiters.shift()?.();
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * Evaluates and settles; on failure leaves the occurrence unacknowledged (the
   * store hands it out again after reclaimAfterMs) until the delivery cap, where it
   * is recorded as errored for every trigger it concerns and acknowledged.
   */
  private async evaluateAndSettle(item: LoggedOccurrence): Promise<void> {
    const { occurrence, deliveries } = item;
    const triggers = this.index.forOccurrence(occurrence);
    let lastError: string | undefined;
    if (!this.cap.exceeded(deliveries)) {
      try {
        // Every trigger's evaluation ends before the occurrence is settled or left.
        const outcomes = await Promise.allSettled(
          triggers.map((compiled) => this.evaluator.evaluate(compiled, occurrence)),
        );
        const failed = outcomes.find(
          (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
        );
        if (failed) throw failed.reason;
        await this.settle(
          outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? outcome.value : [])),
          item.ref,
        );
        return;
      } catch (error) {
        if (!this.cap.reached(deliveries)) {
          this.logger.error("evaluating an occurrence failed; it will be handed out again", {
            occurrenceId: occurrence.id,
            deliveries,
            error: String(error),
          });
          return;
        }
        lastError = errorMessage(error);
      }
    }
    const ids = triggers.map((compiled) => compiled.trigger.id);
    const records = this.cap.giveUp(occurrence.id, ids, deliveries, this.clock.now(), lastError);
    await this.settle(records, item.ref).catch((error: unknown) => {
      this.logger.error("giving up an occurrence failed; it will be handed out again", {
        occurrenceId: occurrence.id,
        error: String(error),
      });
    });
  }
}
