import { describe, expect, it } from "vitest";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";

const occurrence: Occurrence = { kind: "event", id: "ev", at: 1, code: "c", payload: {} };
const never = new AbortController().signal;

describe("the memory store's deferred queue", () => {
  it("a reader of other apps waits for its own work; another app's item coming due does not wake it", async () => {
    const { deferred } = new MemoryStore({ reclaimAfterMs: 5 });
    await deferred.deferEvaluation("app-a", "trg_a", occurrence);
    const held = await deferred.readDeferred(["app-a"], "r1", 10, 0, never);
    expect(held).toHaveLength(1);
    await deferred.retryDeferred(held); // due again in 5 ms
    let settled = false;
    const reading = deferred.readDeferred(["app-b"], "r2", 10, 60_000, never).then((items) => {
      settled = true;
      return items;
    });
    // app-a's item comes due meanwhile: a reader of app-b only must not return (and loop) for it.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    await deferred.deferEvaluation("app-b", "trg_b", occurrence);
    expect((await reading).map((item) => item.triggerId)).toEqual(["trg_b"]);
  });
});
