import type { Assignment } from "../../domain/invocation.js";
import {
  type ExpiredMatch,
  expiredMatch,
  type JoinEntry,
  type JoinMarker,
  type JoinState,
  type JoinStep,
} from "../../domain/join.js";
import type {
  CronAdvance,
  CronFired,
  CronFireOutcome,
  CronFiringClaim,
  JoinUpdate,
  TriggerStateStore,
} from "../store.js";
import { parseAssignmentId } from "./codec.js";
import type { RedisContext } from "./context.js";
import { creationArgs, firstAssignment } from "./creation.js";

/** Per-trigger state on Redis (the trigger-state role): AND partial matches (compare-and-set) and cron slots (claims). */
export class RedisTriggerState implements TriggerStateStore {
  constructor(private readonly ctx: RedisContext) {}

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ): Promise<JoinUpdate> {
    const { keys } = this.ctx;
    const markerKey = keys.joinMarker(triggerId, occurrenceId);
    while (true) {
      const [marker, stored] = await Promise.all([
        this.ctx.redis.get(markerKey),
        this.ctx.redis.hget(keys.join(triggerId), partition),
      ]);
      if (marker) return { kind: "replayed", ...decodeMarker(marker) };
      const { version, entries } = decodePartition(stored);
      const result = step({ entries });
      const next = result.state.entries;
      const stepMarker: JoinMarker = { outcome: result.outcome, expired: result.expired };
      const [verdict, ...rest] = (await this.ctx.run(
        "joinCommit",
        [
          keys.join(triggerId),
          keys.joinAge(triggerId),
          keys.joinCount(triggerId),
          markerKey,
          keys.triggers,
          keys.paused,
        ],
        [
          triggerId,
          partition,
          version,
          next.map(encodeEntry).join("\n"),
          next[0]?.firstAt ?? 0,
          entries.length,
          next.length,
          JSON.stringify(stepMarker),
          this.ctx.retention.markerRetentionMs,
          maxEntries,
        ],
      )) as string[];
      switch (verdict) {
        case "conflict":
          continue; // Another replica changed the partition: step again on fresh state.
        case "replayed":
          return { kind: "replayed", ...decodeMarker(rest[0] as string) };
        case "deleted":
          return { kind: "skipped", reason: "trigger deleted" };
        case "paused":
          return { kind: "skipped", reason: "trigger paused" };
        default: {
          const evicted: ExpiredMatch[] = rest.flatMap((line) =>
            decodeLines(line).map((entry) => expiredMatch(entry, "cap")),
          );
          return { kind: "applied", outcome: result.outcome, expired: [...result.expired, ...evicted] };
        }
      }
    }
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    const all = await this.ctx.redis.hgetall(this.ctx.keys.join(triggerId));
    return Object.entries(all).map(([partition, stored]) => ({
      partition,
      state: { entries: decodePartition(stored).entries },
    }));
  }

  // ---- cron -------------------------------------------------------------------------

  async getCronSlots(conditionKeys: readonly string[]): Promise<Map<string, number>> {
    const slots = new Map<string, number>();
    // Sent together, without waiting for each other (pipelined on the socket); each read stays short.
    const chunks = inChunks(conditionKeys, 1000);
    const answers = await Promise.all(
      chunks.map((chunk) => this.ctx.redis.hmget(this.ctx.keys.cron, ...chunk)),
    );
    chunks.forEach((chunk, c) => {
      chunk.forEach((key, i) => {
        const value = answers[c]?.[i];
        if (value !== null && value !== undefined) slots.set(key, Number(value));
      });
    });
    return slots;
  }

  async advanceCron(advances: readonly CronAdvance[]): Promise<boolean[]> {
    const won: boolean[] = [];
    // Chunks keep each script short: Redis runs nothing else while a script runs. One
    // after the other, so that other clients' commands run between them (sent
    // together, they would run back to back).
    for (const chunk of inChunks(advances, 500)) {
      const args: Array<string | number> = [chunk.length];
      for (const advance of chunk) {
        args.push(
          `${advance.triggerId}:${advance.conditionIndex}`,
          advance.expected === undefined ? "" : String(advance.expected),
          String(advance.next),
          JSON.stringify(advance.occurrences.map((occurrence) => JSON.stringify(occurrence))),
        );
      }
      const results = (await this.ctx.run(
        "advanceCron",
        [this.ctx.keys.cron, this.ctx.keys.triggers],
        args,
      )) as number[];
      won.push(...results.map((result) => result === 1));
    }
    return won;
  }

  async fireCron(claims: readonly CronFiringClaim[]): Promise<CronFired[]> {
    const { keys, retention, watch } = this.ctx;
    const outcomes: CronFired[] = [];
    // In chunks, one after the other, as advanceCron: each script stays short (at
    // most 500 firings, unless one claim catching up on missed slots has more).
    for (const chunk of byFirings(claims, 500)) {
      const args: Array<string | number> = [retention.evaluationsPerTrigger, chunk.length];
      for (const claim of chunk) {
        args.push(
          `${claim.triggerId}:${claim.conditionIndex}`,
          claim.expected === undefined ? "" : String(claim.expected),
          String(claim.next),
          claim.firings.length,
        );
        for (const { firing, record, assignTo } of claim.firings) {
          args.push(
            ...creationArgs(watch, firing.invocation, {
              ttlMs: retention.markerRetentionMs,
              idempotencyKey: "",
              triggerId: firing.triggerId,
              eventIds: [],
              assignTo,
            }),
            firing.firingKey,
            JSON.stringify(record),
          );
        }
      }
      const results = (await this.ctx.run(
        "fireCron",
        [keys.cron, keys.triggers, keys.paused],
        args,
      )) as Array<[CronFireOutcome, ...string[]]>;
      chunk.forEach((claim, i) => {
        const [outcome, ...assignmentIds] = results[i] as [CronFireOutcome, ...string[]];
        outcomes.push({ outcome, assigned: assignedFirings(claim, assignmentIds) });
      });
    }
    return outcomes;
  }
}

/** The assignments of a claim's firings the script created assigned (their ids name the invocation). */
function assignedFirings(claim: CronFiringClaim, assignmentIds: readonly string[]): Assignment[] {
  if (assignmentIds.length === 0) return [];
  const byInvocation = new Map(claim.firings.map(({ firing }) => [firing.invocation.id, firing.invocation]));
  return assignmentIds.flatMap((assignmentId) => {
    const input = byInvocation.get(parseAssignmentId(assignmentId)?.invocationId ?? "");
    return input ? [firstAssignment(input, assignmentId)] : [];
  });
}

function inChunks<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Consecutive claims, as few per chunk as keeps each chunk's firings within `max` (a claim is never split). */
function byFirings(claims: readonly CronFiringClaim[], max: number): CronFiringClaim[][] {
  const chunks: CronFiringClaim[][] = [];
  let current: CronFiringClaim[] = [];
  let firings = 0;
  for (const claim of claims) {
    if (current.length > 0 && firings + Math.max(1, claim.firings.length) > max) {
      chunks.push(current);
      current = [];
      firings = 0;
    }
    current.push(claim);
    firings += Math.max(1, claim.firings.length);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** One line of a stored partition (see joinCommit-6.lua): the age first, for the script's cap. */
function encodeEntry(entry: JoinEntry): string {
  return `${entry.firstAt} ${JSON.stringify(entry)}`;
}

function decodePartition(stored: string | null): { version: number; entries: JoinEntry[] } {
  if (!stored) return { version: 0, entries: [] };
  const bar = stored.indexOf("|");
  return { version: Number(stored.slice(0, bar)), entries: decodeLines(stored.slice(bar + 1)) };
}

/**
 * A join marker. One written before markers were slimmed holds the whole step, its
 * expired entries in full: they are summarised, so that replaying such an
 * occurrence after an upgrade works.
 */
function decodeMarker(json: string): JoinMarker {
  const marker = JSON.parse(json) as JoinMarker;
  const expired = marker.expired.map((item: ExpiredMatch | JoinEntry) =>
    "occurrenceIds" in item ? item : expiredMatch(item, "window"),
  );
  return { outcome: marker.outcome, expired };
}

/** Entry lines; a partition written before the line format was one JoinState JSON. */
function decodeLines(lines: string): JoinEntry[] {
  if (!lines) return [];
  if (lines.startsWith("{")) return (JSON.parse(lines) as JoinState).entries;
  return lines.split("\n").map((line) => JSON.parse(line.slice(line.indexOf(" ") + 1)) as JoinEntry);
}
