/**
 * The Store contract for listings, run on every store: pages end at their count
 * or byte limit and resume exactly after their last item; tokens are the store's
 * own, and a foreign one is refused naming pageToken.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/domain/event.js";
import type { Invocation } from "../../src/domain/invocation.js";
import { NO_RETRY } from "../../src/domain/task.js";
import type { Page, PageLimits, StatusWatch, Store } from "../../src/store/store.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";

const _watchNone: StatusWatch = { watches: () => false };
/** With the ids' JSON and the per-item overhead, three such items fit in 10,000 bytes and four do not. */
const PAD = "x".repeat(2_900);
const BUDGET = 10_000;

/** Every page of a listing, by its ids. */
async function pages<T extends { id: string }>(
  list: (limits: PageLimits) => Promise<Page<T>>,
  limits: Omit<PageLimits, "pageToken">,
): Promise<string[][]> {
  const out: string[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await list({ ...limits, ...(pageToken ? { pageToken } : {}) });
    out.push(page.items.map((item) => item.id));
    pageToken = page.nextPageToken;
  } while (pageToken && out.length < 1_000);
  return out;
}

const ids = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, n) => `${prefix}${String(from + n).padStart(3, "0")}`);

describe.each(STORE_KINDS)("Store contract, listings: %s", (kind) => {
  let store: Store;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    store = await createStore(kind, { retention: { maxEvents: 10_000, maxFinishedInvocations: 10_000 } });
    await store.registry.registerApp({
      appId: "app",
      tasks: [
        { id: "task", appId: "app", retry: NO_RETRY },
        { id: "other", appId: "app", retry: NO_RETRY },
      ],
      triggers: [],
    });
  });

  afterEach(async () => {
    await store?.close();
  });

  const invoke = (id: string, args: Record<string, string>, taskId = "task") =>
    store.work.createInvocation({ id, taskId, appId: "app", arguments: args, createdAt: 1000 });
  const emit = (id: string, at: number, payload: Record<string, string> = { id }, code = "c") =>
    store.history.appendEvent({ id, code, payload, emittedAt: at, invocationIds: [] });
  const listInvocations =
    (query: Omit<Parameters<Store["work"]["listInvocations"]>[0], keyof PageLimits> = {}) =>
    (limits: PageLimits) =>
      store.work.listInvocations({ ...query, ...limits });
  const listEvents =
    (query: Omit<Parameters<Store["history"]["listEvents"]>[0], keyof PageLimits> = {}) =>
    (limits: PageLimits) =>
      store.history.listEvents({ ...query, ...limits });

  it("invocations: a page ends before the item that would pass maxBytes, and the next resumes right after", async () => {
    for (const id of ids("i", 0, 7)) await invoke(id, { pad: PAD });
    expect(await pages(listInvocations(), { limit: 100, maxBytes: BUDGET })).toEqual([
      ["i006", "i005", "i004"],
      ["i003", "i002", "i001"],
      ["i000"],
    ]);
    // The count limit still applies within the byte budget.
    expect(await pages(listInvocations(), { limit: 2, maxBytes: BUDGET })).toEqual([
      ["i006", "i005"],
      ["i004", "i003"],
      ["i002", "i001"],
      ["i000"],
    ]);
  });

  it("invocations: an item larger than the budget comes alone; filtered ones are skipped, none repeated", async () => {
    await invoke("a0", { pad: PAD });
    await invoke("a1", { pad: "y".repeat(3 * BUDGET) });
    await invoke("b0", { pad: PAD }, "other");
    await invoke("a2", { pad: PAD });
    await invoke("a3", { n: "small" });
    expect(await pages(listInvocations({ taskId: "task" }), { limit: 100, maxBytes: BUDGET })).toEqual([
      ["a3", "a2"],
      ["a1"],
      ["a0"],
    ]);
    expect(await pages(listInvocations(), { limit: 100, maxBytes: BUDGET })).toEqual([
      ["a3", "a2", "b0"],
      ["a1"],
      ["a0"],
    ]);
    expect(await pages(listInvocations({ status: "REGISTERED" }), { limit: 100 })).toEqual([
      ["a3", "a2", "b0", "a1", "a0"],
    ]);
  });

  it("invocations: many pages of small ones list each exactly once, newest first", async () => {
    const all = ids("s", 0, 130);
    for (const id of all) await invoke(id, { id }, Number(id.slice(1)) % 3 === 0 ? "other" : "task");
    const listed = await pages(listInvocations(), { limit: 7, maxBytes: BUDGET });
    expect(listed.map((page) => page.length)).toEqual([...Array(18).fill(7), 4]);
    expect(listed.flat()).toEqual([...all].reverse());
    const ofTask = (await pages(listInvocations({ taskId: "other" }), { limit: 9 })).flat();
    expect(ofTask).toEqual(all.filter((id) => Number(id.slice(1)) % 3 === 0).reverse());
  });

  it("events: pages through many events of one millisecond, each exactly once, in order", async () => {
    // 60 events per millisecond: listing batches end inside a millisecond.
    const all = ids("e", 0, 150);
    for (const [n, id] of all.entries()) await emit(id, 2000 + Math.floor(n / 60));
    for (const limit of [1, 7, 50, 51, 1000]) {
      const listed = await pages(listEvents(), { limit });
      expect(listed.flat()).toEqual(all);
      expect(listed.slice(0, -1).every((page) => page.length === limit)).toBe(true);
    }
    expect((await pages(listEvents({ since: 2001, until: 2002 }), { limit: 13 })).flat()).toEqual(
      all.slice(60, 120),
    );
  });

  it("events: a page ends before the event that would pass maxBytes; a larger one comes alone", async () => {
    for (const id of ids("b", 0, 4)) await emit(id, 3000, { pad: PAD });
    await emit("b004", 3000, { pad: "y".repeat(3 * BUDGET) });
    await emit("b005", 3001, { pad: PAD });
    await emit("b006", 3001, { pad: PAD }, "other");
    expect(await pages(listEvents(), { limit: 100, maxBytes: BUDGET })).toEqual([
      ["b000", "b001", "b002"],
      ["b003"],
      ["b004"],
      ["b005", "b006"],
    ]);
    expect(await pages(listEvents({ code: "c" }), { limit: 100, maxBytes: BUDGET })).toEqual([
      ["b000", "b001", "b002"],
      ["b003"],
      ["b004"],
      ["b005"],
    ]);
  });

  it("refuses a page token of another listing or made up: INVALID_ARGUMENT naming pageToken", async () => {
    for (const id of ids("t", 0, 3)) {
      await invoke(id, {});
      await emit(id, 4000);
    }
    const invocationToken = (await store.work.listInvocations({ limit: 1 })).nextPageToken as string;
    const eventToken = (await store.history.listEvents({ limit: 1 })).nextPageToken as string;
    const refused = { code: "INVALID_ARGUMENT", field: "pageToken" };
    for (const pageToken of [eventToken, "2", "mi-1", "ri2x"]) {
      await expect(store.work.listInvocations({ limit: 10, pageToken })).rejects.toMatchObject(refused);
    }
    for (const pageToken of [invocationToken, "4000:t000", "re:t000", "me"]) {
      await expect(store.history.listEvents({ limit: 10, pageToken })).rejects.toMatchObject(refused);
    }
    // Its own tokens resume where they say.
    expect(
      (await store.work.listInvocations({ limit: 10, pageToken: invocationToken })).items.map(idOf),
    ).toEqual(["t001", "t000"]);
    expect((await store.history.listEvents({ limit: 10, pageToken: eventToken })).items.map(idOf)).toEqual([
      "t001",
      "t002",
    ]);
  });
});

function idOf(item: Invocation | StoredEvent): string {
  return item.id;
}
