import type { Evaluation } from "../domain/evaluation.js";
import type { Logger } from "../domain/logger.js";
import { getOrCreate } from "../domain/maps.js";
import { type CronOccurrence, cronOccurrenceId } from "../domain/occurrence.js";
import type { CronCondition } from "../domain/trigger.js";
import type { CronAdvance, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import type { CronSchedule, RecentSlots } from "./cron.js";
import type { TriggerIndex } from "./trigger-index.js";

export interface CronSchedulerOptions {
  /** A slot this late or less is due and runs; an older one was missed (misfire policy). */
  graceMs: number;
  /** Most missed slots one condition runs at once under misfire "all". */
  maxCatchUpSlots: number;
}

interface Member {
  key: string;
  triggerId: string;
  conditionIndex: number;
  condition: CronCondition;
  createdAt: number;
  group: Group;
}

interface Group {
  schedule: CronSchedule;
  next: number;
  members: Set<Member>;
}

const DAY_MS = 24 * 3600_000;
/** Missed slots listed at least, so that the record of a short outage counts them exactly. */
const EXACT_MISSED_COUNT = 100;

/**
 * Fires cron conditions once per scheduled slot. Conditions with the same expression
 * and time zone share one timer. At a slot, each condition's stored last slot moves
 * forward by compare-and-set together with the logging of its occurrences, so among
 * replicas exactly one claims each slot, and a crash never loses or repeats one.
 */
export class CronScheduler {
  private readonly groups = new Map<string, Group>();
  private readonly members = new Map<string, Member>();
  private readonly byTrigger = new Map<string, Member[]>();
  /** Last slot per member as this replica believes the store has it. */
  private readonly known = new Map<string, number>();
  private cancelTimer: () => void = () => {};
  private ticking = false;
  private stopped = false;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly index: TriggerIndex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: CronSchedulerOptions,
  ) {}

  start(): void {
    for (const compiled of this.index.cronTriggers()) this.sync(compiled.trigger.id, false);
    this.unsubscribe = this.index.onChange((triggerId) => this.sync(triggerId, true));
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.cancelTimer();
  }

  /** Number of cron conditions scheduled (for metrics and tests). */
  get size(): number {
    return this.members.size;
  }

  private sync(triggerId: string, rearm: boolean): void {
    for (const member of this.byTrigger.get(triggerId) ?? []) this.removeMember(member);
    this.byTrigger.delete(triggerId);
    const compiled = this.index.get(triggerId);
    for (const condition of compiled?.conditions ?? []) {
      if (condition.condition.kind !== "cron" || !condition.cron || !compiled) continue;
      const schedule = condition.cron;
      const groupKey = `${schedule.expression}\u0000${schedule.timezone}`;
      let group = this.groups.get(groupKey);
      if (!group) {
        // A new schedule is checked at once: slots missed while nothing ran meet the misfire policy now.
        group = { schedule, next: this.clock.now(), members: new Set() };
        this.groups.set(groupKey, group);
      }
      const member: Member = {
        key: `${triggerId}:${condition.index}`,
        triggerId,
        conditionIndex: condition.index,
        condition: condition.condition,
        createdAt: compiled.trigger.createdAt,
        group,
      };
      group.members.add(member);
      this.members.set(member.key, member);
      getOrCreate(this.byTrigger, triggerId, (): Member[] => []).push(member);
    }
    if (rearm) this.arm();
  }

  private removeMember(member: Member): void {
    this.members.delete(member.key);
    this.known.delete(member.key);
    member.group.members.delete(member);
    if (member.group.members.size === 0) {
      this.groups.delete(`${member.group.schedule.expression}\u0000${member.group.schedule.timezone}`);
    }
  }

  private arm(): void {
    this.cancelTimer();
    if (this.stopped || this.ticking) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) earliest = Math.min(earliest, group.next);
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.cancelTimer = this.clock.schedule(earliest - this.clock.now(), () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = this.clock.now();
      const due: Member[] = [];
      for (const group of this.groups.values()) {
        if (group.next > now) continue;
        due.push(...group.members);
        group.next = group.schedule.next(now);
      }
      if (due.length > 0) await this.fireDue(due, now);
    } catch (error) {
      this.logger.error("cron tick failed; the slots will be retried", { error: String(error) });
      this.known.clear();
    } finally {
      this.ticking = false;
      this.arm();
    }
  }

  private async fireDue(due: Member[], now: number): Promise<void> {
    const unknown = due.filter((member) => !this.known.has(member.key));
    if (unknown.length > 0) {
      const stored = await this.store.getCronSlots(unknown.map((member) => member.key));
      for (const member of unknown) {
        const slot = stored.get(member.key);
        if (slot !== undefined) this.known.set(member.key, slot);
      }
    }
    const advances: CronAdvance[] = [];
    const skipped: Array<Evaluation | undefined> = [];
    const planned: Member[] = [];
    // Members of one schedule nearly always share their last slot and policy: list the slots once.
    const slotCache = new Map<Group, Map<string, RecentSlots>>();
    const slotsOf = (member: Member, from: number) => {
      const extra = this.olderSlotsNeeded(member.condition);
      const byFrom = getOrCreate(slotCache, member.group, () => new Map<string, RecentSlots>());
      return getOrCreate(byFrom, `${from}:${extra}`, () =>
        member.group.schedule.recentSlots(from, now, now - this.options.graceMs, extra),
      );
    };
    for (const member of due) {
      const expected = this.known.get(member.key);
      const plan = this.plan(member, expected, now, slotsOf);
      if (!plan) continue;
      advances.push({
        triggerId: member.triggerId,
        conditionIndex: member.conditionIndex,
        expected,
        next: plan.next,
        occurrences: plan.occurrences,
      });
      planned.push(member);
      skipped.push(
        plan.dropped.length === 0
          ? undefined
          : {
              triggerId: member.triggerId,
              at: now,
              occurrenceId: cronOccurrenceId(
                member.triggerId,
                member.conditionIndex,
                plan.dropped.at(-1) as number,
              ),
              outcome: "skipped",
              conditionIndex: member.conditionIndex,
              detail: plan.droppedAll
                ? `${plan.dropped.length} missed slot(s) from ${iso(plan.dropped[0] as number)} dropped by misfire policy "${member.condition.misfire}"`
                : `more than ${plan.dropped.length} missed slots from ${iso(member.group.schedule.next(expected ?? member.createdAt))} dropped by misfire policy "${member.condition.misfire}"`,
            },
      );
    }
    if (advances.length === 0) return;
    const won = await this.store.advanceCron(advances);
    planned.forEach((member, i) => {
      if (won[i]) this.known.set(member.key, (advances[i] as CronAdvance).next);
      else this.known.delete(member.key); // Another replica claimed it: re-read next time.
    });
    // Only the replica that claimed a slot reports what it dropped.
    const ownSkips = skipped.filter(
      (evaluation, i): evaluation is Evaluation => evaluation !== undefined && won[i] === true,
    );
    if (ownSkips.length > 0) await this.store.recordEvaluations(ownSkips);
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

  /** Which slots in (last, now] run, which are dropped, and the new last slot. */
  private plan(
    member: Member,
    last: number | undefined,
    now: number,
    slotsOf: (member: Member, from: number) => RecentSlots,
  ) {
    const { condition } = member;
    const window = condition.misfire === "all" ? condition.catchUpWindowMs || DAY_MS : 0;
    const { slots, complete } = slotsOf(member, last ?? member.createdAt);
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
        occurrences.push({
          kind: "cron",
          id: cronOccurrenceId(member.triggerId, member.conditionIndex, slot),
          at: now,
          triggerId: member.triggerId,
          conditionIndex: member.conditionIndex,
          scheduledTime: slot,
          ...(previous === undefined ? {} : { lastScheduledTime: previous }),
        });
      }
      previous = slot;
    }
    return {
      next: slots.at(-1) as number,
      occurrences,
      dropped: missed.filter((slot) => !run.has(slot)),
      /** False when more slots were dropped than listed (a long outage). */
      droppedAll: complete,
    };
  }
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
