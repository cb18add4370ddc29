/** Which cron triggers fire in the step that claims their slot, and what that firing holds. */
import { describe, expect, it } from "vitest";
import type { CronOccurrence } from "../../src/domain/occurrence.js";
import type { ArgumentProvider, Condition } from "../../src/domain/trigger.js";
import { cronFirings, firesOnClaim } from "../../src/engine/cron/cron-firing.js";
import { PROPAGATION_ONLY } from "../../src/engine/tracing.js";
import { compileTrigger } from "../../src/engine/triggers/compiled-trigger.js";
import { trigger } from "../support/fixtures.js";

const cron: Condition = {
  kind: "cron",
  expression: "* * * * * *",
  timezone: "UTC",
  misfire: "skip",
  catchUpWindowMs: 0,
};

const compiled = (providers: ArgumentProvider[], conditions: Condition[] = [cron]) =>
  compileTrigger(trigger("trg_c", { conditions, providers, logic: "or" }));

describe("cron triggers firing on the claim", () => {
  it("only a single cron condition with static or CEL arguments fires on the claim", () => {
    expect(firesOnClaim(compiled([]))).toBe(true);
    expect(
      firesOnClaim(
        compiled([
          { kind: "static", value: { n: 1 } },
          { kind: "cel", expression: "{'s': scheduledTime}" },
        ]),
      ),
    ).toBe(true);
    expect(firesOnClaim(compiled([{ kind: "function", functionId: "f" }]))).toBe(false);
    expect(firesOnClaim(compiled([], [cron, { kind: "event", code: "e" }]))).toBe(false);
    expect(firesOnClaim(compiled([], [cron, cron]))).toBe(false);
  });

  it("a slot's firing carries its arguments, the firing key and the fired record", async () => {
    const occurrence: CronOccurrence = {
      kind: "cron",
      id: "cron:trg_c:0:60000",
      at: 60010,
      triggerId: "trg_c",
      conditionIndex: 0,
      scheduledTime: 60000,
    };
    const trg = compiled([
      { kind: "static", value: { n: 1 } },
      { kind: "cel", expression: "{'slot': scheduledTime}" },
    ]);
    const cronTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const tracing = { ...PROPAGATION_ONLY, cronSlot: () => cronTrace };
    const [only, ...more] = (await cronFirings(trg, [occurrence], 60010, tracing)) ?? [];
    expect(more).toEqual([]);
    expect(only?.firing.firingKey).toBe("trg_c|cron:trg_c:0:60000");
    expect(only?.firing.invocation.arguments).toEqual({ n: 1, slot: 60000 });
    expect(only?.firing.invocation.traceparent).toBe(cronTrace);
    expect(only?.firing.invocation.provenance?.occurrenceIds).toEqual(["cron:trg_c:0:60000"]);
    expect(only?.record).toEqual({
      triggerId: "trg_c",
      at: 60010,
      occurrenceId: "cron:trg_c:0:60000",
      outcome: "fired",
      invocationId: only?.firing.invocation.id,
      detail: "invoked task",
    });
    // A CEL provider that fails: no firing, the occurrence path records why.
    const failing = compiled([{ kind: "cel", expression: "{'x': 1 / (scheduledTime - scheduledTime)}" }]);
    expect(await cronFirings(failing, [occurrence], 60010, tracing)).toBeUndefined();
  });
});
