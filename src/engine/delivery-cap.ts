import type { Evaluation } from "../domain/evaluation.js";
import type { Logger } from "../domain/logger.js";

/**
 * The cap on redeliveries of an occurrence (or deferred evaluation) that never got
 * settled: its evaluation kept failing with a store or engine error, or kept
 * taking its replica down. Without it such a "poison" occurrence would be handed
 * out again every `reclaimAfterMs`, forever.
 */
export class DeliveryCap {
  constructor(
    private readonly maxDeliveries: number,
    private readonly logger: Logger,
  ) {
    if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) {
      throw new Error(
        `maxOccurrenceDeliveries (NENC_MAX_OCCURRENCE_DELIVERIES) must be an integer of at least 1, got ${maxDeliveries}`,
      );
    }
  }

  /** Handed out more often than the cap: give up without evaluating it again. */
  exceeded(deliveries: number): boolean {
    return deliveries > this.maxDeliveries;
  }

  /** Its evaluation just failed on the last delivery the cap allows: give up now. */
  reached(deliveries: number): boolean {
    return deliveries >= this.maxDeliveries;
  }

  /**
   * What giving up records: one `errored` evaluation per trigger it concerns, so
   * that explain shows it; and one error log line with the occurrence's id.
   */
  giveUp(
    occurrenceId: string,
    triggerIds: readonly string[],
    deliveries: number,
    at: number,
    lastError: string | undefined,
  ): Evaluation[] {
    const why = lastError ? `its evaluation kept failing (last: ${lastError})` : "it was never settled";
    const detail = `not evaluated: handed out ${deliveries} times and ${why}; given up (maxOccurrenceDeliveries ${this.maxDeliveries})`;
    this.logger.error("an occurrence kept failing; given up and acknowledged", {
      occurrenceId,
      deliveries,
      triggerIds,
      ...(lastError ? { error: lastError } : {}),
    });
    return triggerIds.map((triggerId) => ({ triggerId, at, occurrenceId, outcome: "errored", detail }));
  }
}
