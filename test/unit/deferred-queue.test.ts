import { describe, expect, it } from "vitest";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { DeferredQueue } from "../../src/store/memory/deferred-queue.js";

const occurrence: Occurrence = { kind: "event", id: "ev", at: 1, code: "c", payload: {} };
const never = new AbortController().signal;

describe("the memory store's deferred queue", () => {
  it("a reader of other apps waits for its own work; another app's idle item does not wake it", async () => {
    const queue = new DeferredQueue(5);
    queue.append("app-a", "trg_a", occurrence);
    expect(await queue.read(["app-a"], "c1", 10, 0, never)).toHaveLength(1); // held by c1, soon idle
    let settled = false;
    const reading = queue.read(["app-b"], "c2", 10, 60_000, never).then((items) => {
      settled = true;
      return items;
    });
    // app-a's item goes idle meanwhile: a reader of app-b only must not return (and loop) for it.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    queue.append("app-b", "trg_b", occurrence);
    expect((await reading).map((item) => item.triggerId)).toEqual(["trg_b"]);
  });
});
