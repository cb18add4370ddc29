import type { Evaluation } from "../../domain/evaluation.js";
import type { Logger } from "../../domain/logger.js";
import { getOrCreate } from "../../domain/maps.js";
import type { CronOccurrence } from "../../domain/occurrence.js";
import type { CronAdvance, CronFiringClaim, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { Reservation } from "../invocations/dispatcher.js";
import type { ReplicaMembership } from "../replicas/replica-membership.js";
import type { EngineTelemetry } from "../telemetry.js";
import type { EngineTracing } from "../tracing.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import type { CronSchedule } from "./cron.js";
import { cronFirings, firesOnClaim, pausedRecord } from "./cron-firing.js";
import { type CronMember, CronPlanner, type CronPlanOptions } from "./cron-plan.js";

export interface CronSchedulerOptions extends CronPlanOptions {
  /**
   * A slot of a condition another replica owns is claimed here once it is this late
   * and its owner has not announced itself since the slot came due (it died, or
   * froze); also how long a failed pass waits before it is tried again. Well under
   * graceMs, so that such a slot still runs as due.
   */
  takeoverMs: number;
  /**
   * An owner that keeps announcing itself without its claims moving for this long is
   * stuck: its slots are taken over. One that is only busy (under load, a pass can
   * take seconds) is left to claim its own: another replica, as busy, would only
   * add to the load. Well over graceMs.
   */
  stuckOwnerMs: number;
}

interface Member extends CronMember {
  group: Group;
  /** The live replica that owns it (ReplicaMembership.ownerOf): it claims its slots the moment they are due. */
  owner: string;
}

interface Group {
  schedule: CronSchedule;
  next: number;
  members: Set<Member>;
  /**
   * The oldest slot that came due for members other replicas own and is not
   * confirmed yet: once it is takeoverMs old, their owners' announced progress is
   * compared with it, and the members whose owner is behind are claimed here.
   */
  unconfirmed?: number;
  /** The check-in the last takeover check of this group went by: each is gone through once. */
  checkedWith?: number;
  /** See latestSlot: the two looked up last (a tick asks for the current slot, a takeover check for an older one). */
  latest: Array<{ slot: number; next: number }>;
}

/** What {@link CronScheduler} needs: one dependencies object. */
export interface CronSchedulerDeps {
  store: Pick<Store, "triggerState" | "history">;
  index: TriggerIndex;
  clock: Clock;
  logger: Logger;
  membership: ReplicaMembership;
  options: CronSchedulerOptions;
  telemetry: EngineTelemetry;
  tracing: EngineTracing;
  /** Sets a credit aside on a worker of the task here, if one has some (Dispatcher.reserve). */
  reserve(taskId: string): Reservation | undefined;
}

/**
 * Fires cron conditions once per scheduled slot. Conditions with the same schedule
 * (expression, time zone, DST policy) share one timer. At a slot, each condition's stored last slot moves
 * forward by compare-and-set together with the logging of its occurrences, so among
 * replicas exactly one claims each slot, and a crash never loses or repeats one.
 *
 * The conditions are shared out among the live replicas (ReplicaMembership): a
 * replica claims the slots of those it owns when they come due, and those of the
 * others only when their owner has not announced that it got there `takeoverMs`
 * after the slot and has not been heard of since (it died, or froze), or has not
 * moved for `stuckOwnerMs`. The compare-and-set keeps that exactly once when the
 * owner claims too. Checking the owners costs no store call: their progress comes
 * with the sweep's check-in.
 */
export class CronScheduler {
  private readonly groups = new Map<string, Group>();
  private readonly members = new Map<string, Member>();
  private readonly byTrigger = new Map<string, Member[]>();
  /** Last slot per owned member as this replica believes the store has it (others' members move elsewhere). */
  private readonly known = new Map<string, number>();
  /** Owned members to plan at the next pass whatever their schedule says: new here, newly owned, or their pass failed. */
  private readonly recheck = new Set<Member>();
  /** No recheck or takeover before this: a failed pass waits a little before it is tried again. */
  private notBefore = Number.NEGATIVE_INFINITY;
  private passedAt = 0;
  private cancelTimer: () => void = () => {};
  private ticking = false;
  private stopped = false;
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: CronSchedulerDeps) {}

  start(): void {
    for (const compiled of this.deps.index.cronTriggers()) this.sync(compiled.trigger.id, false);
    this.unsubscribe = [
      this.deps.index.onChange((triggerId) => this.sync(triggerId, true)),
      this.deps.membership.onRefresh((changed) => this.onMembership(changed)),
    ];
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.cancelTimer();
  }

  /** Number of cron conditions scheduled (for metrics and tests). */
  get size(): number {
    return this.members.size;
  }

  /**
   * Every slot up to this time of the conditions this replica owns was claimed (here
   * or by another replica): while a pass runs or a condition waits for one, the
   * start of the last pass that succeeded; otherwise up to the next slot, or now.
   * Announced at each sweep: the other replicas take over the slots it does not reach.
   */
  get claimedThrough(): number {
    if (this.ticking || this.recheck.size > 0) return this.passedAt;
    let through = this.deps.clock.now();
    for (const group of this.groups.values()) through = Math.min(through, group.next - 1);
    return Math.max(this.passedAt, through);
  }

  private owned(member: Member): boolean {
    return member.owner === this.deps.membership.replicaId;
  }

  private sync(triggerId: string, rearm: boolean): void {
    for (const member of this.byTrigger.get(triggerId) ?? []) this.removeMember(member);
    this.byTrigger.delete(triggerId);
    const compiled = this.deps.index.get(triggerId);
    const now = this.deps.clock.now();
    for (const condition of compiled?.conditions ?? []) {
      if (condition.condition.kind !== "cron" || !condition.cron || !compiled) continue;
      const schedule = condition.cron;
      let group = this.groups.get(schedule.key);
      if (!group) {
        // A new schedule is checked at once: slots missed while nothing ran meet the misfire policy now.
        group = { schedule, next: now, members: new Set(), latest: [] };
        this.groups.set(schedule.key, group);
      }
      const key = `${triggerId}:${condition.index}`;
      const member: Member = {
        key,
        triggerId,
        conditionIndex: condition.index,
        condition: condition.condition,
        createdAt: compiled.trigger.createdAt,
        schedule: group.schedule,
        group,
        owner: this.deps.membership.ownerOf(key),
      };
      group.members.add(member);
      this.members.set(member.key, member);
      getOrCreate(this.byTrigger, triggerId, (): Member[] => []).push(member);
      // Known here only now, maybe after a slot came due (a notice takes a moment): checked at once.
      this.expectSlots(member, now);
    }
    if (rearm) this.arm();
  }

  private removeMember(member: Member): void {
    this.members.delete(member.key);
    this.known.delete(member.key);
    this.recheck.delete(member);
    member.group.members.delete(member);
    if (member.group.members.size === 0) {
      this.groups.delete(member.group.schedule.key);
    }
  }

  /** A member new here or whose owner changed: its own slots are planned at once, others' confirmed. */
  private expectSlots(member: Member, now: number): void {
    if (this.owned(member)) this.recheck.add(member);
    else this.markUnconfirmed(member.group, latestSlot(member.group, now).slot);
  }

  private markUnconfirmed(group: Group, slot: number): void {
    group.unconfirmed = Math.min(group.unconfirmed ?? slot, slot);
  }

  /** After each check-in: owners move when the live replicas changed; takeovers may be due. */
  private onMembership(changed: boolean): void {
    if (changed) {
      const now = this.deps.clock.now();
      let moved = 0;
      for (const member of this.members.values()) {
        const owner = this.deps.membership.ownerOf(member.key);
        if (owner === member.owner) continue;
        moved++;
        member.owner = owner;
        // Its last slot moved under another owner, or will: read again before claiming.
        this.known.delete(member.key);
        this.recheck.delete(member);
        this.expectSlots(member, now);
      }
      this.deps.logger.info("live replicas changed; cron conditions moved", {
        replicas: this.deps.membership.replicaIds,
        moved,
      });
    }
    this.arm();
  }

  private takeoverDue(group: Group): boolean {
    const { refreshedAt } = this.deps.membership;
    return (
      group.unconfirmed !== undefined &&
      group.unconfirmed + this.deps.options.takeoverMs <= refreshedAt &&
      (group.checkedWith === undefined || group.checkedWith < refreshedAt)
    );
  }

  private arm(): void {
    this.cancelTimer();
    if (this.stopped || this.ticking) return;
    const now = this.deps.clock.now();
    const retry = Math.max(now, this.notBefore);
    let earliest = this.recheck.size > 0 ? retry : Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      earliest = Math.min(earliest, group.next);
      if (this.takeoverDue(group)) earliest = Math.min(earliest, retry);
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.cancelTimer = this.deps.clock.schedule(earliest - now, () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const now = this.deps.clock.now();
    const due = new Set<Member>();
    /** Groups whose takeover check ran, with what they had unconfirmed before it: restored if the pass fails. */
    const checked = new Map<Group, Pick<Group, "unconfirmed" | "checkedWith">>();
    try {
      const retrying = now >= this.notBefore;
      if (retrying) {
        for (const member of this.recheck) if (this.owned(member)) due.add(member);
        this.recheck.clear();
      }
      for (const group of this.groups.values()) {
        if (group.next <= now) {
          let others = false;
          for (const member of group.members) {
            if (this.owned(member)) due.add(member);
            else others = true;
          }
          if (others) this.markUnconfirmed(group, latestSlot(group, group.next).slot);
          group.next = group.schedule.next(now);
        }
        if (retrying && this.takeoverDue(group)) {
          checked.set(group, { unconfirmed: group.unconfirmed, checkedWith: group.checkedWith });
          this.takeOver(group, due, now);
        }
      }
      if (due.size > 0) await this.fireDue([...due], now);
      // A member still to recheck (its pass failed, or it arrived meanwhile) is not claimed yet.
      if (this.recheck.size === 0) this.passedAt = now;
    } catch (error) {
      this.deps.logger.error("cron tick failed; the slots will be retried", { error: String(error) });
      this.known.clear();
      for (const member of due) if (this.owned(member)) this.recheck.add(member);
      for (const [group, before] of checked) Object.assign(group, before);
      this.notBefore = now + this.deps.options.takeoverMs;
    } finally {
      this.ticking = false;
      this.arm();
    }
  }

  /**
   * The members of `group` other replicas own whose owner, by the latest check-in,
   * has not claimed the slots takeoverMs old join `due` (their stored last slot is
   * read, and what is still unclaimed claimed here) when the owner has not announced
   * itself since its first missing slot came due (dead or frozen), or its claims
   * have not moved for stuckOwnerMs while it announces itself (stuck). Otherwise the
   * owner is busy: its slots stay unconfirmed, checked again at each check-in.
   */
  private takeOver(group: Group, due: Set<Member>, now: number): void {
    const { membership, options } = this.deps;
    const checkedAt = membership.refreshedAt;
    group.checkedWith = checkedAt;
    const { slot: upTo, next: afterUpTo } = latestSlot(group, checkedAt - options.takeoverMs);
    let waiting = Number.POSITIVE_INFINITY;
    const verdicts = new Map<string, boolean>();
    const behind = (owner: string): boolean => {
      const through = membership.cronClaimedThroughOf(owner);
      if (through >= upTo) return false;
      const missing = group.schedule.next(through);
      const seen = membership.seenAtOf(owner);
      if (seen < missing || seen - through > options.stuckOwnerMs) return true;
      waiting = Math.min(waiting, missing);
      return false;
    };
    for (const member of group.members) {
      if (this.owned(member)) continue;
      if (getOrCreate(verdicts, member.owner, () => behind(member.owner))) due.add(member);
    }
    const after = Math.min(waiting, afterUpTo);
    group.unconfirmed = after <= now ? after : undefined;
  }

  private async fireDue(due: Member[], now: number): Promise<void> {
    // Others' members are always read: their owner moves their last slot, not this replica.
    const unknown = due.filter((member) => !this.owned(member) || !this.known.has(member.key));
    const stored =
      unknown.length > 0
        ? await this.deps.store.triggerState.getCronSlots(unknown.map((member) => member.key))
        : new Map<string, number>();
    const lastOf = (member: Member) =>
      this.owned(member) && this.known.has(member.key) ? this.known.get(member.key) : stored.get(member.key);
    const planner = new CronPlanner(now, this.deps.options);
    const claims: Claim[] = [];
    const records: Evaluation[] = [];
    let inFlight: Promise<Evaluation[]> | undefined;
    // Chunk by chunk, yielding to I/O in between (a pass of thousands of conditions
    // must not hold the event loop: workers' results wait behind it); the next chunk
    // is planned while the previous one's claim is under way.
    for (let from = 0; from < due.length; from += CLAIM_CHUNK) {
      if (from > 0) await yieldToIo();
      const chunk: Claim[] = [];
      for (const member of due.slice(from, from + CLAIM_CHUNK)) {
        const expected = lastOf(member);
        const plan = planner.plan(member, expected);
        if (!plan) continue;
        chunk.push({
          member,
          advance: {
            triggerId: member.triggerId,
            conditionIndex: member.conditionIndex,
            expected,
            next: plan.next,
            occurrences: plan.occurrences,
          },
          firings: await this.firingsOf(member, plan.occurrences, now),
          skip: planner.skipRecord(member, plan, expected),
          won: false,
        });
      }
      if (inFlight) records.push(...(await inFlight));
      inFlight = chunk.length > 0 ? this.claim(chunk, now) : undefined;
      claims.push(...chunk);
    }
    if (inFlight) records.push(...(await inFlight));
    if (claims.length === 0) return;
    let takenOver = 0;
    for (const { member, advance, won } of claims) {
      if (won && !this.owned(member)) takenOver++;
      if (won && this.owned(member)) this.known.set(member.key, advance.next);
      else this.known.delete(member.key); // Another replica claimed it, or will: read again next time.
    }
    if (takenOver > 0)
      this.deps.logger.info("claimed cron slots whose owner had not reached them", { conditions: takenOver });
    // Only the replica that claimed a slot reports what it dropped.
    for (const { skip, won } of claims) if (skip && won) records.push(skip);
    if (records.length === 0) return;
    await this.deps.store.history.recordEvaluations(records);
    this.deps.telemetry.evaluationsRecorded(records);
  }

  /** The firings of a member's due slots when its trigger fires them on the claim (see firesOnClaim). */
  private async firingsOf(
    member: Member,
    occurrences: CronOccurrence[],
    now: number,
  ): Promise<CronFiringClaim["firings"] | undefined> {
    if (occurrences.length === 0) return undefined;
    const compiled = this.deps.index.get(member.triggerId);
    if (!compiled || !firesOnClaim(compiled)) return undefined;
    return cronFirings(compiled, occurrences, now, this.deps.tracing);
  }

  /**
   * Claims the slots: those of triggers that fire on the claim fire in the same
   * step (fireCron), the others log their occurrences (advanceCron). Sets `won`;
   * returns the records of slots claimed while their trigger was paused.
   */
  private async claim(claims: Claim[], now: number): Promise<Evaluation[]> {
    const { triggerState } = this.deps.store;
    const logged = claims.filter((claim) => !claim.firings);
    const direct = claims.filter((claim) => claim.firings);
    const reservations = new Map<string, Reservation>();
    try {
      const [won, outcomes] = await Promise.all([
        logged.length > 0 ? triggerState.advanceCron(logged.map((claim) => claim.advance)) : [],
        direct.length > 0
          ? triggerState.fireCron(direct.map((claim) => this.onWorkers(claim, reservations)))
          : [],
      ]);
      logged.forEach((claim, i) => {
        claim.won = won[i] === true;
        if (claim.won) this.reportClaimed(claim, false, now);
      });
      const paused: Evaluation[] = [];
      direct.forEach((claim, i) => {
        const { outcome = "lost", assigned = [] } = outcomes[i] ?? {};
        claim.won = outcome === "fired" || outcome === "paused";
        if (claim.won) this.reportClaimed(claim, outcome === "fired", now);
        for (const assignment of assigned) {
          reservations.get(assignment.invocationId)?.deliver(assignment);
          reservations.delete(assignment.invocationId);
        }
        if (outcome !== "paused") return;
        for (const occurrence of claim.advance.occurrences)
          paused.push(pausedRecord(claim.member.triggerId, occurrence, now));
      });
      return paused;
    } finally {
      // Firings queued instead (the worker's connection changed, or the claim was lost).
      for (const reservation of reservations.values()) reservation.cancel();
    }
  }

  /** Reports a claim this replica won: each slot's lag, and the firings and records of a fired one. */
  private reportClaimed(claim: Claim, fired: boolean, now: number): void {
    const { telemetry } = this.deps;
    for (const occurrence of claim.advance.occurrences)
      telemetry.cronSlotClaimed(now - occurrence.scheduledTime);
    if (!fired || !claim.firings) return;
    // Each invocation was created in the claim's own step: no time between the slot's occurrence and it.
    for (const { firing } of claim.firings) telemetry.invocationTriggered(firing.triggerId, 0);
    telemetry.evaluationsRecorded(claim.firings.map((entry) => entry.record));
  }

  /**
   * A claim as fireCron takes it, each firing onto a worker here with free credit
   * when there is one (created PENDING in the same step: no queue, notice or claim).
   */
  private onWorkers(claim: Claim, reservations: Map<string, Reservation>): CronFiringClaim {
    const { occurrences: _fired, ...slot } = claim.advance;
    const firings = (claim.firings ?? []).map((entry) => {
      const invocation = entry.firing.invocation;
      const reservation = this.deps.reserve(invocation.taskId);
      if (!reservation) return entry;
      reservations.set(invocation.id, reservation);
      return { ...entry, assignTo: reservation.worker };
    });
    return { ...slot, firings };
  }
}

/**
 * Conditions claimed per store call: small, so that while Redis runs one chunk's
 * script the orchestrator plans the next and hands out the last one's assignments
 * (500 kept both waiting on each other; 10,000 crons on three Redis replicas ran
 * 5,886, at 100 about 30,000 and at 50 about 45,000 of a 5 s window's 50,000 slots).
 */
const CLAIM_CHUNK = 50;

/** Lets pending I/O callbacks run (a macrotask turn), unlike an await, which stays in microtasks. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One member's claim, as fireDue plans it. */
interface Claim {
  member: Member;
  advance: CronAdvance;
  /** Set when its trigger fires on the claim: the firings of advance.occurrences. */
  firings: CronFiringClaim["firings"] | undefined;
  /** The record of the slots the claim drops (misfire policy), if any. */
  skip: Evaluation | undefined;
  won: boolean;
}

/**
 * The group's latest slot at or before `time`, and the one after: computed once per
 * slot, since thousands of members share it (a cron-parser step costs ~0.1 ms).
 */
function latestSlot(group: Group, time: number): { slot: number; next: number } {
  const cached = group.latest.find((entry) => entry.slot <= time && time < entry.next);
  if (cached) return cached;
  const slot = group.schedule.latestAtOrBefore(time);
  const found = { slot, next: group.schedule.next(slot) };
  group.latest = [found, ...group.latest.slice(0, 1)];
  return found;
}
