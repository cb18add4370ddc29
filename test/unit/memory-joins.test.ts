/**
 * The memory store's AND cap: partitions kept in the order of their oldest entry,
 * so eviction is oldest-first across partitions without scanning them all.
 */
import { describe, expect, it } from "vitest";
import type { JoinState, JoinStep } from "../../src/domain/join.js";
import { AgeIndex } from "../../src/store/memory/age-index.js";
import { MemoryJoins } from "../../src/store/memory/memory-joins.js";
import { resolveRetention } from "../../src/store/retention.js";

const add =
  (key: string, firstAt: number): ((state: JoinState) => JoinStep) =>
  (state) => ({
    state: { entries: [...state.entries, { group: 0, key, firstAt, satisfied: {} }] },
    outcome: { kind: "waiting", missing: [1] },
    expired: [],
  });

/** A step that consumes a partition's oldest entry (as a completed join does). */
const consumeOldest = (state: JoinState): JoinStep => ({
  state: { entries: state.entries.slice(1) },
  outcome: { kind: "complete", used: [] },
  expired: [],
});

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What the cap drops, computed the slow way: every partition scanned per entry. */
class ReferenceJoin {
  readonly partitions = new Map<string, Array<{ key: string; firstAt: number }>>();
  entries = 0;

  apply(partition: string, change: "add" | "consume", key: string, firstAt: number, max: number): string[] {
    const list = this.partitions.get(partition) ?? [];
    if (change === "add") list.push({ key, firstAt });
    else list.shift();
    this.entries += change === "add" ? 1 : -1;
    if (list.length > 0) this.partitions.set(partition, list);
    else this.partitions.delete(partition);
    const dropped: string[] = [];
    while (this.entries > max) {
      let oldest: [string, number] | undefined;
      for (const [name, items] of this.partitions) {
        const head = (items[0] as { firstAt: number }).firstAt;
        if (!oldest || head < oldest[1] || (head === oldest[1] && name < oldest[0])) oldest = [name, head];
      }
      const [name] = oldest as [string, number];
      const items = this.partitions.get(name) as Array<{ key: string }>;
      dropped.push((items.shift() as { key: string }).key);
      if (items.length === 0) this.partitions.delete(name);
      this.entries--;
    }
    return dropped;
  }
}

describe("memory AND cap", () => {
  it("drops the oldest entries first across partitions, a partition's place moving with its oldest entry", () => {
    const joins = new MemoryJoins(resolveRetention());
    const dropped = (partition: string, key: string, firstAt: number) => {
      const update = joins.apply("trg", partition, `occ-${key}`, add(key, firstAt), 3);
      return update.kind === "applied" ? update.expired.map((match) => match.key) : [];
    };
    expect(dropped("p1", "a", 10)).toEqual([]);
    expect(dropped("p2", "b", 20)).toEqual([]);
    expect(dropped("p1", "c", 30)).toEqual([]);
    // p1 (oldest 10) goes first; its next entry (30) makes it younger than p2 (20).
    expect(dropped("p3", "d", 40)).toEqual(["a"]);
    expect(dropped("p3", "e", 50)).toEqual(["b"]);
    expect(dropped("p4", "f", 5)).toEqual(["f"]);
    expect(dropped("p2", "g", 60)).toEqual(["c"]);
    // Equal ages: the smaller partition name first, as Redis orders its joinage zset.
    expect(dropped("p9", "h", 45)).toEqual(["d"]);
    expect(dropped("p8", "i", 45)).toEqual(["i"]);
    expect(
      joins
        .list("trg")
        .map(({ partition, state }) => `${partition}:${state.entries.map((entry) => entry.key).join(",")}`)
        .sort(),
    ).toEqual(["p2:g", "p3:e", "p9:h"]);
  });

  it("evicts in the order a full scan of every partition gives, over many partitions and steps", () => {
    const joins = new MemoryJoins(resolveRetention());
    const reference = new ReferenceJoin();
    const next = random(7);
    const lastAt = new Map<string, number>();
    let evictions = 0;
    for (let step = 0; step < 3000; step++) {
      const partition = `k${Math.floor(next() * 400)}`;
      const consume = reference.partitions.has(partition) && next() < 0.2;
      // Within a partition entries come oldest first; across partitions ages interleave.
      const firstAt = (lastAt.get(partition) ?? Math.floor(next() * 1000)) + 1 + Math.floor(next() * 50);
      const key = `e${step}`;
      if (!consume) lastAt.set(partition, firstAt);
      const expected = reference.apply(partition, consume ? "consume" : "add", key, firstAt, 100);
      const update = joins.apply(
        "trg",
        partition,
        `occ-${step}`,
        consume ? consumeOldest : add(key, firstAt),
        100,
      );
      expect(update.kind === "applied" && update.expired.map((match) => match.key)).toEqual(expected);
      evictions += expected.length;
    }
    expect(evictions).toBeGreaterThan(1000);
    const partitions = joins
      .list("trg")
      .map(({ partition, state }): [string, number] => [partition, state.entries.length]);
    expect(new Map(partitions)).toEqual(
      new Map([...reference.partitions].map(([name, items]) => [name, items.length])),
    );
  });
});

describe("AgeIndex", () => {
  it("answers the smallest age, moves keys, and forgets deleted ones", () => {
    const index = new AgeIndex();
    expect(index.oldest()).toBeUndefined();
    index.set("a", 30);
    index.set("b", 10);
    index.set("c", 20);
    expect(index.oldest()).toBe("b");
    index.set("b", 40);
    expect(index.oldest()).toBe("c");
    index.delete("c");
    expect(index.oldest()).toBe("a");
    for (let i = 0; i < 10_000; i++) index.set("a", 100 + i);
    expect(index.oldest()).toBe("b");
    expect(index.size).toBe(2);
    index.delete("b");
    index.delete("a");
    expect(index.oldest()).toBeUndefined();
  });
});
