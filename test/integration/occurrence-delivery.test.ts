/**
 * Redelivery of occurrences whose evaluation failed, and its cap (a poison
 * occurrence): on every store, with a real orchestrator; failures are injected
 * into the store step that settles the evaluation.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/domain/evaluation.js";
import type { Logger } from "../../src/domain/logger.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { NO_RETRY } from "../../src/domain/task.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import type { Store } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const POISON = "evt_poison";
const never = new AbortController().signal;
const poisonTrigger = trigger("trg_poison", { conditions: [{ kind: "event", code: "poison" }] });
const occurrence: Occurrence = { kind: "event", id: POISON, at: 1, code: "poison", payload: {} };

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The store, except that settling an evaluation of the poison occurrence fails (not giving up on it). */
function failingSettles(store: Store, attempts: { count: number }): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== "settleOccurrences") return Reflect.get(target, property, receiver);
      return async (evaluations: readonly Evaluation[], refs: readonly string[]) => {
        const poisoned = evaluations.some(
          (evaluation) =>
            evaluation.occurrenceId === POISON && !evaluation.detail.startsWith("not evaluated"),
        );
        if (poisoned) {
          attempts.count++;
          throw new Error("injected: the store refused the records");
        }
        return target.settleOccurrences(evaluations, refs);
      };
    },
  });
}

function capturingLogger(lines: Array<{ message: string; fields?: Record<string, unknown> }>): Logger {
  const push = (message: string, fields?: Record<string, unknown>) => {
    lines.push({ message, ...(fields ? { fields } : {}) });
  };
  return { debug() {}, info() {}, warn() {}, error: push };
}

async function prepare(kind: (typeof STORE_KINDS)[number]): Promise<Store> {
  const store = await createStore(kind, { reclaimAfterMs: 100 });
  cleanups.push(() => store.close());
  await store.registerApp({
    appId: "app",
    tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
    triggers: [],
  });
  await store.createTrigger(poisonTrigger);
  return store;
}

describe.each(STORE_KINDS)("occurrence redelivery and its cap: %s", (kind) => {
  it("an occurrence whose evaluation keeps failing is retried up to the cap, then recorded as errored and acknowledged", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const store = await prepare(kind);
    const attempts = { count: 0 };
    const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const orchestrator = await Orchestrator.start(failingSettles(store, attempts), {
      maxOccurrenceDeliveries: 3,
      logger: capturingLogger(errors),
      drainTimeoutMs: 0,
    });
    cleanups.push(() => orchestrator.stop());
    await store.appendOccurrences([occurrence]);

    const history = await waitFor(async () => {
      const records = await store.listEvaluations(poisonTrigger.id, 10);
      return records.length > 0 && records;
    }, "the give-up record");
    expect(attempts.count).toBe(3);
    expect(history).toEqual([
      expect.objectContaining({
        triggerId: poisonTrigger.id,
        occurrenceId: POISON,
        outcome: "errored",
        detail:
          "not evaluated: handed out 3 times and its evaluation kept failing (last: injected: the store refused the records); given up (maxOccurrenceDeliveries 3)",
      }),
    ]);
    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "the occurrence acknowledged");
    // Fired on the first delivery only; later ones were deduplicated by the firing key.
    expect((await store.listInvocations({ taskId: "task", limit: 10 })).items).toHaveLength(1);
    expect(errors.filter((line) => line.fields?.occurrenceId === POISON).map((line) => line.message)).toEqual(
      [
        "evaluating an occurrence failed; it will be handed out again",
        "evaluating an occurrence failed; it will be handed out again",
        "an occurrence kept failing; given up and acknowledged",
      ],
    );
  });

  it("an occurrence handed out more often than the cap (its readers crashed) is given up without evaluating it", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const store = await prepare(kind);
    await store.appendOccurrences([occurrence]);
    // Three readers that took it and died before settling it.
    for (let delivery = 1; delivery <= 3; delivery++) {
      const read = await waitFor(async () => {
        const items = await store.readOccurrences(`crashed-${delivery}`, 10, 20, never);
        return items.length > 0 && items;
      }, `delivery ${delivery}`);
      expect(read.map((item) => item.deliveries)).toEqual([delivery]);
    }
    const orchestrator = await Orchestrator.start(store, { maxOccurrenceDeliveries: 3, drainTimeoutMs: 0 });
    cleanups.push(() => orchestrator.stop());

    const history = await waitFor(async () => {
      const records = await store.listEvaluations(poisonTrigger.id, 10);
      return records.length > 0 && records;
    }, "the give-up record");
    expect(history.map((record) => [record.outcome, record.detail])).toEqual([
      [
        "errored",
        "not evaluated: handed out 4 times and it was never settled; given up (maxOccurrenceDeliveries 3)",
      ],
    ]);
    await waitFor(async () => (await store.stats()).occurrenceBacklog === 0, "the occurrence acknowledged");
    expect((await store.listInvocations({ taskId: "task", limit: 10 })).items).toEqual([]);
  });
});
