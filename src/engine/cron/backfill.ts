import { NencError } from "../../domain/errors.js";
import type { Evaluation } from "../../domain/evaluation.js";
import { type CronOccurrence, cronOccurrence } from "../../domain/occurrence.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { EngineTelemetry } from "../telemetry.js";
import type { CompiledTrigger } from "../triggers/compiled-trigger.js";
import type { TriggerEvaluator } from "../triggers/trigger-evaluator.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";

/** Slots one backfill may fire at most (all cron conditions of the trigger together). */
export const MAX_BACKFILL_SLOTS = 10_000;
/** Slots evaluated at once: a backfill of thousands neither waits on each in turn nor floods the store. */
const PARALLEL_SLOTS = 32;

/** What a backfill did with its slots. */
export interface BackfillOutcome {
  /** Slots in the range. */
  slots: number;
  /** Fired now. */
  fired: number;
  /** Fired before (live, or by an earlier backfill): the same firing identity. */
  deduplicated: number;
  /** Neither: the trigger is paused, a filter said no, an AND join waits, deferred, errored. */
  other: number;
}

/** What {@link Backfill} needs. */
export interface BackfillDeps {
  index: TriggerIndex;
  evaluator: TriggerEvaluator;
  store: Pick<Store, "history">;
  clock: Clock;
  telemetry: EngineTelemetry;
}

/**
 * Backfill (docs/design.md §3.9): every slot of a trigger's cron conditions in a past
 * range evaluated as if it had been claimed then, through the same evaluation and the
 * same firing identity (`<trigger>|cron:<trigger>:<condition>:<slot>`) as a live claim,
 * so a slot that already fired, live or in an earlier backfill, is deduplicated, never
 * fired twice. Each evaluation is recorded, as live ones are.
 */
export class Backfill {
  constructor(private readonly deps: BackfillDeps) {}

  async run(compiled: CompiledTrigger, from: number, to: number): Promise<BackfillOutcome> {
    const now = this.deps.clock.now();
    if (!(from <= to)) throw NencError.invalid("from", "must be at or before to");
    if (to > now)
      throw NencError.invalid("to", "is in the future: backfill runs past slots (live claims run the rest)");
    const occurrences = this.slotsOf(compiled, from, to, now);
    const outcome: BackfillOutcome = { slots: occurrences.length, fired: 0, deduplicated: 0, other: 0 };
    for (let start = 0; start < occurrences.length; start += PARALLEL_SLOTS) {
      const chunk = occurrences.slice(start, start + PARALLEL_SLOTS);
      const records = (
        await Promise.all(chunk.map((occurrence) => this.deps.evaluator.evaluate(compiled, occurrence)))
      ).flat();
      await this.deps.store.history.recordEvaluations(records);
      this.deps.telemetry.evaluationsRecorded(records);
      count(outcome, records);
    }
    return outcome;
  }

  /** The occurrences of every slot in [from, to] of each cron condition, oldest first; refused past the limit. */
  private slotsOf(compiled: CompiledTrigger, from: number, to: number, now: number): CronOccurrence[] {
    const { trigger } = compiled;
    const occurrences: CronOccurrence[] = [];
    const crons = compiled.conditions.filter((condition) => condition.cron);
    if (crons.length === 0)
      throw new NencError(
        "FAILED_PRECONDITION",
        `trigger "${trigger.id}" has no cron condition: nothing to backfill`,
      );
    for (const { cron, index } of crons) {
      let previous: number | undefined;
      for (let slot = cron?.next(from - 1) ?? Infinity; slot <= to; slot = cron?.next(slot) ?? Infinity) {
        if (occurrences.length === MAX_BACKFILL_SLOTS)
          throw new NencError(
            "RESOURCE_EXHAUSTED",
            `from … to holds more than ${MAX_BACKFILL_SLOTS} slots, the limit of one backfill; split the range`,
          );
        occurrences.push(
          cronOccurrence(
            {
              triggerId: trigger.id,
              conditionIndex: index,
              scheduledTime: slot,
              lastScheduledTime: previous,
            },
            now,
          ),
        );
        previous = slot;
      }
    }
    return occurrences.sort((a, b) => a.scheduledTime - b.scheduledTime);
  }
}

/** Adds the records of one chunk to the counts: per slot, fired, deduplicated or other. */
function count(outcome: BackfillOutcome, records: readonly Evaluation[]): void {
  const bySlot = new Map<string, Evaluation["outcome"][]>();
  for (const record of records)
    bySlot.set(record.occurrenceId, [...(bySlot.get(record.occurrenceId) ?? []), record.outcome]);
  for (const outcomes of bySlot.values()) {
    if (outcomes.includes("fired")) outcome.fired++;
    else if (outcomes.includes("deduplicated")) outcome.deduplicated++;
    else outcome.other++;
  }
}
