import type { JoinState, JoinStep } from "../../domain/join.js";
import type { CronAdvance } from "../store.js";
import type { RedisContext } from "./context.js";

/** Per-trigger state on Redis: AND partial matches (compare-and-set) and cron slots (claims). */
export class RedisTriggerState {
  constructor(private readonly ctx: RedisContext) {}

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxPartitions: number,
  ): Promise<{ step: JoinStep; replayed: boolean; evicted: JoinState[] }> {
    const markerKey = this.ctx.keys.joinMarker(triggerId, occurrenceId);
    while (true) {
      const [marker, stored] = await Promise.all([
        this.ctx.redis.get(markerKey),
        this.ctx.redis.hget(this.ctx.keys.join(triggerId), partition),
      ]);
      if (marker) return { step: JSON.parse(marker) as JoinStep, replayed: true, evicted: [] };
      const separator = stored?.indexOf("|") ?? -1;
      const version = stored ? Number(stored.slice(0, separator)) : 0;
      const state = stored ? (JSON.parse(stored.slice(separator + 1)) as JoinState) : { entries: [] };
      const result = step(state);
      const reply = (await this.ctx.run(
        "joinCommit",
        [this.ctx.keys.join(triggerId), this.ctx.keys.joinLru(triggerId), markerKey, this.ctx.keys.triggers],
        [
          triggerId,
          partition,
          version,
          result.state.entries.length > 0 ? JSON.stringify(result.state) : "",
          JSON.stringify(result),
          this.ctx.retention.markerRetentionMs,
          maxPartitions,
        ],
      )) as string[];
      const [verdict, ...rest] = reply;
      if (verdict === "conflict") continue; // Another replica changed the partition: step again on fresh state.
      if (verdict === "replayed")
        return { step: JSON.parse(rest[0] as string) as JoinStep, replayed: true, evicted: [] };
      if (verdict === "gone")
        return {
          step: { ...result, outcome: { kind: "waiting", missing: [] } },
          replayed: false,
          evicted: [],
        };
      return { step: result, replayed: false, evicted: rest.map((json) => JSON.parse(json) as JoinState) };
    }
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    const all = await this.ctx.redis.hgetall(this.ctx.keys.join(triggerId));
    return Object.entries(all).map(([partition, stored]) => ({
      partition,
      state: JSON.parse(stored.slice(stored.indexOf("|") + 1)) as JoinState,
    }));
  }

  // ---- cron -------------------------------------------------------------------------

  async getCronSlots(conditionKeys: readonly string[]): Promise<Map<string, number>> {
    const slots = new Map<string, number>();
    for (let start = 0; start < conditionKeys.length; start += 1000) {
      const chunk = conditionKeys.slice(start, start + 1000);
      const values = await this.ctx.redis.hmget(this.ctx.keys.cron, ...chunk);
      chunk.forEach((key, i) => {
        const value = values[i];
        if (value !== null && value !== undefined) slots.set(key, Number(value));
      });
    }
    return slots;
  }

  async advanceCron(advances: readonly CronAdvance[]): Promise<boolean[]> {
    const won: boolean[] = [];
    // Chunks keep each script short: Redis runs nothing else while a script runs.
    for (let start = 0; start < advances.length; start += 500) {
      const chunk = advances.slice(start, start + 500);
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
}
