/**
 * LiveMark on a real Redis: the key exists once hold() resolves, nested holds and a
 * hold soon after the last release cost no round trip, and once it lapsed a hold
 * sets it again. SETs are counted by a wrapper around a real client.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { LiveMark } from "../../src/store/redis/live-mark.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

let clients: Redis[] = [];
afterEach(async () => {
  for (const client of clients) await client.quit();
  clients = [];
});

/** A real client whose SETs are counted. */
function countingClient(): { redis: Redis; sets: () => number } {
  const redis = new Redis(inject("redisUrl"));
  clients.push(redis);
  let count = 0;
  const set = redis.set.bind(redis) as (...args: unknown[]) => Promise<unknown>;
  (redis as unknown as { set: (...args: unknown[]) => Promise<unknown> }).set = (...args) => {
    count++;
    return set(...args);
  };
  return { redis, sets: () => count };
}

describe.skipIf(!storeAvailable("redis"))("LiveMark", () => {
  it("exists once held; nested and prompt holds cost no SET; after it lapsed, a hold sets it again", async () => {
    const { redis, sets } = countingClient();
    const key = `{${uniquePrefix()}}:mark`;
    const mark = new LiveMark(redis, key, 600);
    await mark.hold();
    expect(await redis.exists(key)).toBe(1);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    await mark.hold(); // nested, and the key has most of its life ahead
    expect(sets()).toBe(1);
    mark.release();
    mark.release();
    await mark.hold(); // soon after the last release: still alive, no round trip
    expect(sets()).toBe(1);
    mark.release();
    await waitFor(async () => (await redis.exists(key)) === 0, "the released mark to lapse", 5_000);
    await mark.hold();
    expect(sets()).toBe(2);
    expect(await redis.exists(key)).toBe(1);
    mark.close();
  });

  it("is kept alive while held, past its lifetime: refreshed every third of it", async () => {
    const { redis, sets } = countingClient();
    const key = `{${uniquePrefix()}}:mark`;
    const mark = new LiveMark(redis, key, 300);
    await mark.hold();
    // The first SET and four refreshes: more than a lifetime has passed since the first.
    await waitFor(() => sets() >= 5, "four refreshes", 5_000);
    expect(await redis.exists(key)).toBe(1);
    mark.release();
    const refreshed = sets();
    await waitFor(async () => (await redis.exists(key)) === 0, "the released mark to lapse", 5_000);
    expect(sets()).toBe(refreshed);
    mark.close();
  });
});
