import type { Evaluation } from "../../domain/evaluation.js";
import { getOrCreate } from "../../domain/maps.js";
import { type CronOccurrence, cronOccurrence, cronOccurrenceId } from "../../domain/occurrence.js";
import type { CronCondition } from "../../domain/trigger.js";
import type { CronSchedule, RecentSlots } from "./cron.js";

/** A cron condition of a trigger, as the scheduler plans it. */
export interface CronMember {
  /** `${triggerId}:${conditionIndex}`: its key in the store's cron slots. */
  key: string;
  triggerId: string;
  conditionIndex: number;
  condition: CronCondition;
  createdAt: number;
  schedule: CronSchedule;
}

export interface CronPlanOptions {
  /** A slot this late or less is due and runs; an older one was missed (misfire policy). */
  graceMs: number;
  /** Most missed slots one condition runs at once under misfire "all". */
  maxCatchUpSlots: number;
}

/** What one claim does: which slots in (last, now] run, which are dropped, the new last slot. */
export interface CronPlan {
  next: number;
  occurrences: CronOccurrence[];
  dropped: number[];
  /** False when more slots were dropped than listed (a long outage). */
  droppedAll: boolean;
}

const DAY_MS = 24 * 3600_000;
/** Missed slots listed at least, so that the record of a short outage counts them exactly. */
const EXACT_MISSED_COUNT = 100;

/**
 * Plans the slots of members of one instant `now`. Members of one schedule nearly
 * always share their last slot and policy: their slots are listed once.
 */
export class CronPlanner {
  private readonly slotCache = new Map<CronSchedule, Map<string, RecentSlots>>();

  constructor(
    private readonly now: number,
    private readonly options: CronPlanOptions,
  ) {}

  /** The plan of `member` whose stored last slot is `last`; undefined when no slot is in (last, now]. */
  plan(member: CronMember, last: number | undefined): CronPlan | undefined {
    const { condition } = member;
    const { now } = this;
    const window = condition.misfire === "all" ? condition.catchUpWindowMs || DAY_MS : 0;
    const { slots, complete } = this.slotsOf(member, last ?? member.createdAt);
    if (slots.length === 0) return undefined;
    const isDue = (slot: number) => now - slot <= this.options.graceMs;
    const missed = slots.filter((slot) => !isDue(slot));
    let runMissed: number[] = [];
    if (condition.misfire === "once") runMissed = missed.slice(-1);
    else if (condition.misfire === "all")
      runMissed = missed.filter((slot) => slot >= now - window).slice(-this.options.maxCatchUpSlots);
    const run = new Set([...runMissed, ...slots.filter(isDue)]);
    const occurrences: CronOccurrence[] = [];
    // When the list is not complete, its oldest slot is never run (olderSlotsNeeded
    // lists one more than the policy runs): it only serves as the next one's previous.
    let previous = complete ? last : undefined;
    for (const slot of slots) {
      if (run.has(slot)) {
        occurrences.push(
          cronOccurrence(
            {
              triggerId: member.triggerId,
              conditionIndex: member.conditionIndex,
              scheduledTime: slot,
              lastScheduledTime: previous,
            },
            now,
          ),
        );
      }
      previous = slot;
    }
    return {
      next: slots.at(-1) as number,
      occurrences,
      dropped: missed.filter((slot) => !run.has(slot)),
      droppedAll: complete,
    };
  }

  /** The history record of the slots `plan` drops, if any (kept only by the replica that claims them). */
  skipRecord(member: CronMember, plan: CronPlan, last: number | undefined): Evaluation | undefined {
    if (plan.dropped.length === 0) return undefined;
    const { condition, schedule } = member;
    return {
      triggerId: member.triggerId,
      at: this.now,
      occurrenceId: cronOccurrenceId(member.triggerId, member.conditionIndex, plan.dropped.at(-1) as number),
      outcome: "skipped",
      conditionIndex: member.conditionIndex,
      detail: plan.droppedAll
        ? `${plan.dropped.length} missed slot(s) from ${iso(plan.dropped[0] as number)} dropped by misfire policy "${condition.misfire}"`
        : `more than ${plan.dropped.length} missed slots from ${iso(schedule.next(last ?? member.createdAt))} dropped by misfire policy "${condition.misfire}"`,
    };
  }

  private slotsOf(member: CronMember, from: number): RecentSlots {
    const extra = this.olderSlotsNeeded(member.condition);
    const byFrom = getOrCreate(this.slotCache, member.schedule, () => new Map<string, RecentSlots>());
    return getOrCreate(byFrom, `${from}:${extra}`, () =>
      member.schedule.recentSlots(from, this.now, this.now - this.options.graceMs, extra),
    );
  }

  /**
   * Missed slots (older than the grace) to list beyond the due ones: those the policy
   * may run, plus one so that the oldest one run knows its previous slot, and at
   * least EXACT_MISSED_COUNT so that a short outage's record gives an exact count.
   */
  private olderSlotsNeeded(condition: CronCondition): number {
    const runnable =
      condition.misfire === "all" ? this.options.maxCatchUpSlots : condition.misfire === "once" ? 1 : 0;
    return Math.max(runnable + 1, EXACT_MISSED_COUNT);
  }
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
