/**
 * Retention keeps a store bounded however long it runs (docs/design.md §2.8, issue
 * "Redis backend" item 6): finished invocations, events and trigger histories are trimmed
 * to their limits, streams hold only unfinished work, and firing identities expire
 * with the marker retention. Checked through the API on both stores, and key by key
 * on Redis.
 */
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { Redis } from "ioredis";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { RetentionOptions } from "../../src/store/retention.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, type StoreKind, storeAvailable, uniquePrefix } from "../support/stores.js";

const RETENTION: RetentionOptions = {
  maxFinishedInvocations: 50,
  maxEvents: 40,
  evaluationsPerTrigger: 10,
  eventRetentionMs: 60_000,
  markerRetentionMs: 60_000,
};

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function serve(kind: StoreKind): Promise<{ server: NencServer; prefix: string }> {
  const prefix = uniquePrefix();
  const store =
    kind === "memory"
      ? new MemoryStore({ retention: RETENTION })
      : await RedisStore.connect({ url: inject("redisUrl"), prefix, retention: RETENTION });
  const server = await startTestServer({ store });
  cleanups.push(() => server.stop());
  return { server, prefix };
}

describe.each(STORE_KINDS)("retention on %s", (kind) => {
  it("keeps finished invocations, events and histories at their limits after hundreds of runs", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const { server, prefix } = await serve(kind);
    const app = new Nenc({ url: server.url, appId: "bounded" });
    cleanups.push(() => app.close());
    const work = app.task("work", async ({ n }: { n: number }) => n);
    app.task("after_work", async () => null, { triggers: new TriggerBuilder().onSuccess(work) });
    app.task("on_ping", async () => null, { triggers: new TriggerBuilder().onEvent("ping") });
    await app.startWorker({ concurrency: 16 });

    // In rounds small enough that a result is read before retention drops its run.
    for (let from = 0; from < 300; from += 20) {
      const invoked = await Promise.all(Array.from({ length: 20 }, (_, i) => work.invoke({ n: from + i })));
      await Promise.all(invoked.map((invocation) => invocation.result()));
      for (let i = 0; i < 20; i++) await app.trigger.emitEvent("ping", { n: from + i });
      await server.orchestrator.settled(30_000);
    }

    // 300 work runs, 300 follow-ups, 300 event runs: only the newest 50 finished are kept
    // (Redis trims at every finish; memory in batches, once 10 % over the limit).
    const kept = (await app.listInvocations({ limit: 1000 })).length;
    if (kind === "redis") expect(kept).toBe(RETENTION.maxFinishedInvocations);
    else {
      expect(kept).toBeGreaterThanOrEqual(RETENTION.maxFinishedInvocations);
      expect(kept).toBeLessThanOrEqual(RETENTION.maxFinishedInvocations * 1.1);
    }
    expect(await app.trigger.listEvents({ limit: 1000 })).toHaveLength(RETENTION.maxEvents);
    for (const trigger of await app.trigger.list())
      expect((await app.trigger.explain(trigger.id)).evaluations).toHaveLength(
        RETENTION.evaluationsPerTrigger,
      );
    expect(await server.orchestrator.store.stats()).toMatchObject({
      activeInvocations: 0,
      occurrenceBacklog: 0,
    });

    if (kind !== "redis") return;
    const redis = new Redis(inject("redisUrl"));
    cleanups.push(() => redis.quit());
    const count = async (pattern: string) => (await redis.keys(`{${prefix}}:${pattern}`)).length;
    // Each invocation and the list of its attempts (dropped together).
    expect(await count("inv:*")).toBe(2 * RETENTION.maxFinishedInvocations);
    expect(await count("evt:*")).toBe(2 * RETENTION.maxEvents); // each event and the list of its runs
    expect(await redis.xlen(`{${prefix}}:occ`)).toBe(0);
    expect(await redis.xlen(`{${prefix}}:q:work`)).toBe(0);
    // Firing identities outlive their runs, and expire with the marker retention.
    const fired = await redis.keys(`{${prefix}}:fired:*`);
    expect(fired).toHaveLength(600);
    const ttls = await Promise.all(fired.map((key) => redis.pttl(key)));
    expect(ttls.filter((ttl) => ttl <= 0 || ttl > RETENTION.markerRetentionMs)).toEqual([]);
  });
});
