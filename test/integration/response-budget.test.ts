/**
 * Listings without pages are bounded too: ListTriggers (and ListTasks) answer
 * whole or RESOURCE_EXHAUSTED naming the budget and how to narrow; ExplainTrigger
 * shows the newest evaluations that fit.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NO_JOIN_OPTIONS, type TriggerDefinition } from "../../src/domain/trigger.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";

const definition = (code: string, targetTaskId = "task"): TriggerDefinition => ({
  targetTaskId,
  conditions: [{ kind: "event", code }],
  logic: "and",
  providers: [],
  join: NO_JOIN_OPTIONS,
  appId: "",
});

describe("response budget of listings without pages", () => {
  let orchestrator: Orchestrator | undefined;
  afterEach(async () => {
    await orchestrator?.stop();
  });

  it("ListTriggers: whole within the budget, else RESOURCE_EXHAUSTED saying how to narrow", async () => {
    const store = new MemoryStore();
    orchestrator = await Orchestrator.start(store, { maxResponseBytes: 3_000, drainTimeoutMs: 0 });
    await orchestrator.triggers.registerApp("app", [{ id: "task" }, { id: "other" }], []);
    for (let n = 0; n < 10; n++) await orchestrator.triggers.create(definition(`c${n}`));
    await orchestrator.triggers.create(definition("c-other", "other"));
    expect((await orchestrator.triggers.list({ targetTaskId: "other" })).map((t) => t.conditions)).toEqual([
      [{ kind: "event", code: "c-other" }],
    ]);
    await expect(orchestrator.triggers.list({})).rejects.toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message:
        "the 11 triggers listed take more than 3000 bytes, the most one response holds (maxResponseBytes, NENC_MAX_RESPONSE_BYTES); list fewer with appId or targetTaskId",
    });
  });

  it("ExplainTrigger: the newest evaluations that fit in half the budget", async () => {
    const store = new MemoryStore();
    orchestrator = await Orchestrator.start(store, { maxResponseBytes: 6_000, drainTimeoutMs: 0 });
    await orchestrator.triggers.registerApp("app", [{ id: "task" }], []);
    const { trigger } = await orchestrator.triggers.create(definition("e"));
    // About 1,300 bytes each as counted: two fit in 3,000, three do not.
    await store.history.recordEvaluations(
      [1, 2, 3, 4, 5].map((n) => ({
        triggerId: trigger.id,
        at: n,
        occurrenceId: `occ${n}`,
        outcome: "filtered_out" as const,
        detail: "d".repeat(1_000),
      })),
    );
    const explanation = await orchestrator.triggers.explain(trigger.id, 50);
    expect(explanation.evaluations.map((evaluation) => evaluation.occurrenceId)).toEqual(["occ5", "occ4"]);
  });
});
