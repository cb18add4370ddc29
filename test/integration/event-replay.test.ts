/**
 * ReplayEvents pages through every event in its range, however many pages that
 * takes (cut by count or by bytes), and logs each exactly once: on every store.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Admission } from "../../src/engine/admission.js";
import { systemClock } from "../../src/engine/clock.js";
import { Events } from "../../src/engine/events/events.js";
import { PROPAGATION_ONLY } from "../../src/engine/tracing.js";
import type { Store } from "../../src/store/store.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";

const never = new AbortController().signal;

/** Every occurrence id in the log, read and acknowledged. */
async function drainLog(store: Store): Promise<string[]> {
  const ids: string[] = [];
  while (true) {
    const read = await store.log.readOccurrences("reader", 500, 20, never);
    if (read.length === 0) return ids;
    await store.log.settleOccurrences([], read);
    ids.push(...read.map((item) => item.occurrence.id));
  }
}

/** The events room on `store`, its pages cut at `maxResponseBytes`. */
function eventsOn(store: Store, maxResponseBytes = 2 * 1024 * 1024): Events {
  return new Events({
    store,
    clock: systemClock,
    maxPayloadBytes: 1024 * 1024,
    admission: new Admission(),
    maxResponseBytes,
    tracing: PROPAGATION_ONLY,
  });
}

describe.each(STORE_KINDS)("event replay on %s", (kind) => {
  let store: Store;
  const all = Array.from({ length: 1_203 }, (_, n) => `ev${String(n).padStart(4, "0")}`);

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    store = await createStore(kind, { retention: { maxEvents: 10_000 } });
    // Many events per millisecond: pages end inside one.
    for (const [n, id] of all.entries())
      await store.history.appendEvent({
        id,
        code: n % 2 ? "odd" : "even",
        payload: { n },
        emittedAt: 5_000 + Math.floor(n / 100),
        invocationIds: [],
      });
    expect((await drainLog(store)).length).toBe(all.length);
  });

  afterEach(async () => {
    await store?.close();
  });

  it("replays more than one page of events, each exactly once", async () => {
    const events = eventsOn(store);
    expect(await events.replay({})).toBe(1_203);
    expect(await drainLog(store)).toEqual(all);
  });

  it("replays through pages cut by bytes, within the range and code asked", async () => {
    // 37 events a page (about 320 bytes each as counted): 33 pages for 1,203 events.
    const events = eventsOn(store, 12_000);
    expect((await events.list({ limit: 1000 })).items.length).toBe(37);
    expect(await events.replay({})).toBe(1_203);
    expect(await drainLog(store)).toEqual(all);
    expect(await events.replay({ code: "odd", since: 5_003, until: 5_010 })).toBe(350);
    expect(await drainLog(store)).toEqual(all.filter((_, n) => n % 2 === 1 && n >= 300 && n < 1000));
  });

  it("replays the events named by id, in that order; an unknown id is NOT_FOUND and logs nothing", async () => {
    const events = eventsOn(store);
    expect(await events.replayIds(["ev0007", "ev0003"])).toBe(2);
    expect(await drainLog(store)).toEqual(["ev0007", "ev0003"]);
    await expect(events.replayIds(["ev0001", "ev9999"])).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining('"ev9999"'),
    });
    await expect(events.replayIds(Array.from({ length: 1_001 }, () => "ev0001"))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "ids",
    });
    expect(await drainLog(store)).toEqual([]);
  });
});
