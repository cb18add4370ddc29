/**
 * The cron ownership function (rendezvous hashing): every replica computes the same
 * owner, the keys are shared evenly, and a replica leaving or joining moves only its
 * own share.
 */
import { describe, expect, it } from "vitest";
import { rendezvousOwner, rendezvousWeight } from "../../src/engine/replicas/rendezvous.js";

// Ids as newId("replica") makes them: a shared prefix, a timestamp, a counter, the process.
const REPLICAS = ["replica_0m4x2k7q9000a1b2", "replica_0m4x2k7q9001a1b2", "replica_0m4x2k7qa000c3d4"];
const KEYS = Array.from({ length: 3_000 }, (_, i) => `trg_0m4x${(1_000_000 + i * 7).toString(36)}:${i % 3}`);

function shares(keys: readonly string[], replicas: readonly string[]): Map<string, number> {
  const counts = new Map(replicas.map((replica) => [replica, 0]));
  for (const key of keys) {
    const owner = rendezvousOwner(key, replicas) as string;
    counts.set(owner, (counts.get(owner) as number) + 1);
  }
  return counts;
}

describe("rendezvous ownership", () => {
  it("is stable: the same owner in any order of the replicas, in any process (pinned weights)", () => {
    const reversed = [...REPLICAS].reverse();
    const shuffled = [REPLICAS[1], REPLICAS[2], REPLICAS[0]] as string[];
    for (const key of KEYS.slice(0, 300)) {
      const owner = rendezvousOwner(key, REPLICAS);
      expect(rendezvousOwner(key, reversed)).toBe(owner);
      expect(rendezvousOwner(key, shuffled)).toBe(owner);
    }
    // Replicas of different versions must agree during a rolling upgrade: the hash never changes.
    expect(rendezvousWeight("trg_1:0", "replica-a")).toBe(4_034_146_065);
    expect(rendezvousOwner("trg_1:0", ["replica-a", "replica-b", "replica-c"])).toBe("replica-a");
    expect(rendezvousOwner("trg_1:0", [])).toBeUndefined();
    expect(rendezvousOwner("trg_1:0", ["only"])).toBe("only");
  });

  it("shares 3,000 keys among 3 replicas within 10 % of a third each", () => {
    for (const count of shares(KEYS, REPLICAS).values()) {
      expect(count).toBeGreaterThanOrEqual(900);
      expect(count).toBeLessThanOrEqual(1_100);
    }
  });

  it("a replica leaving moves its keys only, spread over the others; one joining takes only keys it wins", () => {
    const [a, b, c] = REPLICAS as [string, string, string];
    const before = new Map(KEYS.map((key) => [key, rendezvousOwner(key, REPLICAS) as string]));
    const moved = new Map([
      [a, 0],
      [b, 0],
    ]);
    for (const key of KEYS) {
      const after = rendezvousOwner(key, [a, b]) as string;
      if (before.get(key) === c) moved.set(after, (moved.get(after) as number) + 1);
      else expect(after).toBe(before.get(key)); // a key of a or b stays where it was
    }
    const leftByC = shares(KEYS, REPLICAS).get(c) as number;
    expect((moved.get(a) as number) + (moved.get(b) as number)).toBe(leftByC);
    // Its share splits about evenly (within 20 % of half each).
    for (const count of moved.values())
      expect(Math.abs(count - leftByC / 2)).toBeLessThanOrEqual(leftByC / 10);

    const d = "replica_0m4x2k7qb000e5f6";
    let taken = 0;
    for (const key of KEYS) {
      const after = rendezvousOwner(key, [...REPLICAS, d]);
      if (after === d) taken++;
      else expect(after).toBe(before.get(key));
    }
    expect(taken).toBeGreaterThanOrEqual(3_000 / 4 - 100);
    expect(taken).toBeLessThanOrEqual(3_000 / 4 + 100);
  });
});
