/** Store contract, history: events and trigger evaluations. */
import { describe, expect, it } from "vitest";
import { STORE_KINDS } from "../support/stores.js";
import { drainOccurrences, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, history: %s", (kind) => {
  const store = useContractStore(kind);

  it("keeps an event's traceparent and logs it with its occurrence", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
    await store().history.appendEvent({
      id: "e1",
      code: "a",
      payload: {},
      emittedAt: 1,
      invocationIds: [],
      traceparent,
    });
    await store().history.appendEvent({ id: "e2", code: "a", payload: {}, emittedAt: 2, invocationIds: [] });
    expect((await store().history.getEvent("e1"))?.traceparent).toBe(traceparent);
    expect(
      (await drainOccurrences(store())).map((o) => [o.id, o.kind === "event" ? o.traceparent : "?"]),
    ).toEqual([
      ["e1", traceparent],
      ["e2", undefined],
    ]);
  });

  it("stores events durably, dedupes by key, lists by code and time, and keeps only the newest", async () => {
    const emit = (id: string, code: string, at: number, key?: string) =>
      store().history.appendEvent({
        id,
        code,
        payload: { id },
        emittedAt: at,
        ...(key ? { idempotencyKey: key } : {}),
        invocationIds: [],
      });
    expect((await emit("e1", "a", 1000, "k1")).duplicate).toBe(false);
    expect(await emit("e2", "a", 1000, "k1")).toMatchObject({ duplicate: true, event: { id: "e1" } });
    await emit("e3", "b", 1001);
    await emit("e4", "a", 1002);
    await emit("e5", "a", 1003);
    expect((await drainOccurrences(store())).map((o) => o.id)).toEqual(["e1", "e3", "e4", "e5"]);
    const page = await store().history.listEvents({ code: "a", limit: 2 });
    expect(page.items.map((e) => e.id)).toEqual(["e1", "e4"]);
    const rest = await store().history.listEvents({
      code: "a",
      limit: 2,
      pageToken: page.nextPageToken as string,
    });
    expect(rest).toEqual({ items: [expect.objectContaining({ id: "e5", payload: { id: "e5" } })] });
    expect(
      (await store().history.listEvents({ since: 1001, until: 1003, limit: 10 })).items.map((e) => e.id),
    ).toEqual(["e3", "e4"]);
    await emit("e6", "a", 1004);
    expect((await store().history.listEvents({ limit: 10 })).items.map((e) => e.id)).toEqual([
      "e3",
      "e4",
      "e5",
      "e6",
    ]);
    expect(await store().history.getEvent("e1")).toBeUndefined();
  });

  it("a repeated idempotency key answers the first event whole, whatever code and payload the repeat carried", async () => {
    const first = { id: "e1", code: "order.paid", payload: { n: 1 }, emittedAt: 1000, idempotencyKey: "k1" };
    expect(await store().history.appendEvent({ ...first, invocationIds: [] })).toEqual({
      duplicate: false,
      event: { ...first, invocationIds: [] },
    });
    const repeat = await store().history.appendEvent({
      id: "e2",
      code: "order.shipped",
      payload: { n: 2 },
      emittedAt: 1001,
      idempotencyKey: "k1",
      invocationIds: [],
    });
    // The engine compares what it sent with what was stored first (and refuses a difference).
    expect(repeat).toEqual({ duplicate: true, event: { ...first, invocationIds: [] } });
    expect((await drainOccurrences(store())).map((o) => o.id)).toEqual(["e1"]);
    expect((await store().history.listEvents({ limit: 10 })).items.map((e) => [e.id, e.code])).toEqual([
      ["e1", "order.paid"],
    ]);
  });
});
