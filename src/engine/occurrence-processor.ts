import type { Evaluation } from "../domain/evaluation.js";
import type { Logger } from "../domain/logger.js";
import type { LoggedOccurrence, Store } from "../store/store.js";
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
      const triggers = this.index.forOccurrence(item.occurrence);
      // Every trigger's evaluation ends before the occurrence is settled or left.
      const outcomes = await Promise.allSettled(
        triggers.map((compiled) => this.evaluator.evaluate(compiled, item.occurrence)),
      );
      const failed = outcomes.find(
        (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
      );
      if (failed) throw failed.reason;
      await this.settle(
        outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? outcome.value : [])),
        item.ref,
      );
    } catch (error) {
      // A store failure: left unacknowledged, the occurrence is handed out again after
      // the store's reclaim delay, and evaluated anew (what already fired deduplicates).
      this.logger.error("evaluating an occurrence failed; it will be evaluated again", {
        occurrenceId: item.occurrence.id,
        error: String(error),
      });
    } finally {
      this.inFlight--;
      this.slotWaiters.shift()?.();
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}
