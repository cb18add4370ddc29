import { errorMessage } from "../../domain/errors.js";
import type { Evaluation } from "../../domain/evaluation.js";
import type { Logger } from "../../domain/logger.js";
import type { EngineTelemetry } from "../telemetry.js";

/** One handed-out occurrence (or deferred evaluation), as the cap sees it. */
export interface Delivery {
  occurrenceId: string;
  /** How many times it was handed out, this time included. */
  deliveries: number;
  /** The triggers it concerns: each gets an `errored` record when it is given up. */
  triggerIds: readonly string[];
}

/** How one kind of delivery is evaluated, settled and named in log lines. */
export interface DeliverySteps {
  /** Evaluates it; rejects when any of its evaluations failed. */
  evaluate(): Promise<Evaluation[]>;
  /** Records the evaluations and settles it, in one store step. */
  settle(records: Evaluation[]): Promise<void>;
  /** Hands it back to the store, which hands it out again after its redelivery delay. */
  retry(): Promise<void>;
  now(): number;
  /** "evaluating an occurrence": the start of the line logged when it failed. */
  failing: string;
  /** "an occurrence": what a failed give-up line names. */
  item: string;
  /** Fields of the failure line besides deliveries and error. */
  fields: Record<string, unknown>;
}

/**
 * The cap on redeliveries of an occurrence (or deferred evaluation) that never got
 * settled: its evaluation kept failing with a store or engine error, or kept
 * taking its replica down. Without it such a "poison" occurrence would be handed
 * out again after every redelivery delay, forever.
 */
export class DeliveryCap {
  constructor(
    private readonly maxDeliveries: number,
    private readonly logger: Logger,
    private readonly telemetry: EngineTelemetry,
  ) {
    if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) {
      throw new Error(
        `maxOccurrenceDeliveries (NENC_MAX_OCCURRENCE_DELIVERIES) must be an integer of at least 1, got ${maxDeliveries}`,
      );
    }
  }

  /**
   * Evaluates and settles one delivery. After a failure (of the evaluation or of
   * the settle) it is handed back, so the store hands it out again after its
   * redelivery delay, until the cap: then it is recorded as errored for every
   * trigger it concerns and settled. One handed out more often than the cap (its
   * readers crashed) is given up without evaluating it.
   */
  async deliver(delivery: Delivery, steps: DeliverySteps): Promise<void> {
    const { deliveries } = delivery;
    let lastError: string | undefined;
    if (!this.exceeded(deliveries)) {
      try {
        await this.settle(steps, await steps.evaluate());
        return;
      } catch (error) {
        if (!this.reached(deliveries)) {
          this.logger.error(`${steps.failing} failed; it will be handed out again`, {
            ...steps.fields,
            deliveries,
            error: String(error),
          });
          await this.handBack(steps);
          return;
        }
        lastError = errorMessage(error);
      }
    }
    const records = this.giveUp(
      delivery.occurrenceId,
      delivery.triggerIds,
      deliveries,
      steps.now(),
      lastError,
    );
    await this.settle(steps, records).catch(async (error: unknown) => {
      this.logger.error(`giving up ${steps.item} failed; it will be handed out again`, {
        occurrenceId: delivery.occurrenceId,
        error: String(error),
      });
      await this.handBack(steps);
    });
  }

  private async settle(steps: DeliverySteps, records: Evaluation[]): Promise<void> {
    await steps.settle(records);
    this.telemetry.evaluationsRecorded(records);
  }

  /**
   * A store that cannot take it back (it is unreachable) hands it out again anyway
   * once this process is gone or the store's connection reclaims it.
   */
  private async handBack(steps: DeliverySteps): Promise<void> {
    await steps.retry().catch((error: unknown) => {
      this.logger.warn(`handing back ${steps.item} failed`, { ...steps.fields, error: String(error) });
    });
  }

  /** Handed out more often than the cap: give up without evaluating it again. */
  private exceeded(deliveries: number): boolean {
    return deliveries > this.maxDeliveries;
  }

  /** Its evaluation just failed on the last delivery the cap allows: give up now. */
  private reached(deliveries: number): boolean {
    return deliveries >= this.maxDeliveries;
  }

  /**
   * What giving up records: one `errored` evaluation per trigger it concerns, so
   * that explain shows it; and one error log line with the occurrence's id.
   */
  private giveUp(
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
