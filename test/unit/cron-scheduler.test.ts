/**
 * Cron semantics (docs/design.md §3.9) on the engine with a fake clock: once per slot, never
 * at start-up unless a slot is due, the stored state is the last scheduled slot,
 * and each misfire policy after downtime.
 */
import { CronExpression } from "cron-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CronCondition } from "../../src/domain/trigger.js";
import { parseCron } from "../../src/engine/cron/cron.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { StoreNotice } from "../../src/store/store.js";
import { FakeClock } from "../support/fake-clock.js";
import { trigger } from "../support/fixtures.js";
import { overrideRole, overrideStore } from "../support/store-faults.js";

const T0 = Date.parse("2026-03-01T10:00:00.500Z");
let running: Orchestrator[] = [];

afterEach(async () => {
  for (const orchestrator of running) await orchestrator.stop();
  running = [];
});

async function start(store: MemoryStore, clock: FakeClock): Promise<Orchestrator> {
  const orchestrator = await Orchestrator.start(store, { clock, cronGraceMs: 5_000, drainTimeoutMs: 0 });
  running.push(orchestrator);
  return orchestrator;
}

async function declare(orchestrator: Orchestrator, cron: Partial<CronCondition> & { expression: string }) {
  const condition: CronCondition = {
    kind: "cron",
    timezone: "UTC",
    misfire: "skip",
    catchUpWindowMs: 0,
    ...cron,
  };
  await orchestrator.triggers.registerApp(
    "cron-app",
    [{ id: "tick" }],
    [
      {
        targetTaskId: "tick",
        conditions: [condition],
        logic: "and",
        providers: [{ kind: "cel", expression: "{'slot': scheduledTime, 'previous': lastScheduledTime}" }],
        join: { withinMs: 0, correlationKey: "", maxPending: 0 },
      },
    ],
  );
}

async function slots(store: MemoryStore): Promise<string[]> {
  const page = await store.work.listInvocations({ taskId: "tick", limit: 5000 });
  return page.items
    .map((invocation) => new Date(invocation.arguments.slot as number).toISOString())
    .reverse();
}

describe("cron scheduling", () => {
  it("a 6-field cron fires once per slot, not at start-up, with the scheduled time in its context", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const orchestrator = await start(store, clock);
    await declare(orchestrator, { expression: "* * * * * *" });
    expect(await slots(store)).toEqual([]);
    for (let i = 0; i < 5; i++) await clock.advance(1000);
    expect(await slots(store)).toEqual([
      "2026-03-01T10:00:01.000Z",
      "2026-03-01T10:00:02.000Z",
      "2026-03-01T10:00:03.000Z",
      "2026-03-01T10:00:04.000Z",
      "2026-03-01T10:00:05.000Z",
    ]);
    const first = (await store.work.listInvocations({ taskId: "tick", limit: 1000 })).items.at(-1);
    expect(first?.arguments).toEqual({ slot: Date.parse("2026-03-01T10:00:01.000Z"), previous: null });
    const second = (await store.work.listInvocations({ taskId: "tick", limit: 1000 })).items.at(-2);
    expect(second?.arguments.previous).toBe(Date.parse("2026-03-01T10:00:01.000Z"));
  });

  it("a restart fires nothing when no slot is due, then resumes at the next slot", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const first = await start(store, clock);
    await declare(first, { expression: "* * * * *" });
    await clock.advance(60_000); // 10:01:00.5 — the 10:01 slot fires
    await first.stop();
    await clock.advance(20_000); // 10:01:20.5, nothing due
    await start(store, clock);
    await clock.advance(1000);
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z"]);
    await clock.advance(40_000); // 10:02:01.5
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z", "2026-03-01T10:02:00.000Z"]);
  });

  async function downtime(misfire: CronCondition["misfire"], catchUpWindowMs = 0) {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const first = await start(store, clock);
    await declare(first, { expression: "* * * * *", misfire, catchUpWindowMs });
    await clock.advance(60_000); // the 10:01 slot
    await first.stop();
    await clock.advance(10 * 60_000 + 29_500); // down until 10:11:30 — ten slots missed (10:02 … 10:11)
    const second = await start(store, clock);
    await clock.advance(0);
    return { store, clock, second };
  }

  it('misfire "skip" drops the missed slots and records that it did', async () => {
    const { store, clock, second } = await downtime("skip");
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z"]);
    await clock.advance(30_000);
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z", "2026-03-01T10:12:00.000Z"]);
    const [trigger] = await second.triggers.list({});
    const { evaluations } = await second.triggers.explain(trigger!.id, 10);
    expect(evaluations.find((evaluation) => evaluation.outcome === "skipped")?.detail).toBe(
      '10 missed slot(s) from 2026-03-01T10:02:00.000Z dropped by misfire policy "skip"',
    );
  });

  it('misfire "once" runs the latest missed slot once', async () => {
    const { store } = await downtime("once");
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z", "2026-03-01T10:11:00.000Z"]);
  });

  it('misfire "all" runs every missed slot within the catch-up window', async () => {
    const { store } = await downtime("all", 5 * 60_000);
    expect(await slots(store)).toEqual([
      "2026-03-01T10:01:00.000Z",
      "2026-03-01T10:07:00.000Z",
      "2026-03-01T10:08:00.000Z",
      "2026-03-01T10:09:00.000Z",
      "2026-03-01T10:10:00.000Z",
      "2026-03-01T10:11:00.000Z",
    ]);
  });

  // Down for 30 days, a 6-field cron missed 2.6 million slots: only those the policy
  // may run are listed (see "recentSlots walks back" below for the cost).
  async function monthLongOutage(misfire: CronCondition["misfire"]) {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const first = await start(store, clock);
    await declare(first, { expression: "* * * * * *", misfire });
    await clock.advance(1000); // 10:00:01.5 — the 10:00:01 slot
    await first.stop();
    await clock.advance(30 * 24 * 3600_000); // 2026-03-31T10:00:01.5
    const second = await start(store, clock);
    await clock.advance(0);
    const [trigger] = await second.triggers.list({});
    const { evaluations } = await second.triggers.explain(trigger!.id, 10);
    const skipped = evaluations.find((evaluation) => evaluation.outcome === "skipped")?.detail;
    return { fired: await slots(store), skipped };
  }
  // The slots of the grace period (5 s) before the restart are due, whatever the policy.
  const dueAtRestart = [
    "2026-03-31T09:59:57.000Z",
    "2026-03-31T09:59:58.000Z",
    "2026-03-31T09:59:59.000Z",
    "2026-03-31T10:00:00.000Z",
    "2026-03-31T10:00:01.000Z",
  ];

  it('30 days down, "skip": the due slots run, the rest is dropped', async () => {
    const { fired, skipped } = await monthLongOutage("skip");
    expect(fired).toEqual(["2026-03-01T10:00:01.000Z", ...dueAtRestart]);
    expect(skipped).toBe(
      'more than 100 missed slots from 2026-03-01T10:00:02.000Z dropped by misfire policy "skip"',
    );
  });

  it('30 days down, "once": the latest missed slot runs once', async () => {
    const { fired } = await monthLongOutage("once");
    expect(fired).toEqual(["2026-03-01T10:00:01.000Z", "2026-03-31T09:59:56.000Z", ...dueAtRestart]);
  });

  it('30 days down, "all": the newest 1,000 missed slots run', async () => {
    const { fired } = await monthLongOutage("all");
    expect(fired).toHaveLength(1 + 1000 + 5);
    expect(fired.slice(0, 2)).toEqual(["2026-03-01T10:00:01.000Z", "2026-03-31T09:43:17.000Z"]);
    expect(fired.slice(-6)).toEqual(["2026-03-31T09:59:56.000Z", ...dueAtRestart]);
    expect(new Set(fired).size).toBe(fired.length);
  });

  it("recentSlots walks back from the end: a month of a 6-field cron costs the slots it lists", () => {
    const schedule = parseCron("* * * * * *", "UTC", "cron");
    const steps = vi.spyOn(CronExpression.prototype, "prev");
    try {
      const until = Date.parse("2026-03-31T10:00:00.000Z");
      const { slots, complete } = schedule.recentSlots(until - 30 * 24 * 3600_000, until, until - 4_999, 100);
      expect(slots).toHaveLength(5 + 100);
      expect(slots.at(-1)).toBe(until);
      expect(complete).toBe(false);
      // One step per slot listed, one for the first slot it leaves out, one to set out.
      expect(steps.mock.calls.length).toBeLessThanOrEqual(slots.length + 2);
    } finally {
      steps.mockRestore();
    }
  });

  it("honours the time zone (09:00 in Paris is 08:00 UTC in winter)", async () => {
    const clock = new FakeClock(Date.parse("2026-01-15T07:59:00.000Z"));
    const store = new MemoryStore();
    const orchestrator = await start(store, clock);
    await declare(orchestrator, { expression: "0 9 * * *", timezone: "Europe/Paris" });
    await clock.advance(2 * 60_000);
    expect(await slots(store)).toEqual(["2026-01-15T08:00:00.000Z"]);
  });

  it("a pass that failed (the store unreachable) is tried again after the takeover delay: its slot still runs", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    let failures = 0;
    const flaky = overrideRole(store, "triggerState", (state) => ({
      advanceCron: (advances) =>
        failures-- > 0 ? Promise.reject(new Error("store unreachable")) : state.advanceCron(advances),
      fireCron: (claims) =>
        failures-- > 0 ? Promise.reject(new Error("store unreachable")) : state.fireCron(claims),
    }));
    const orchestrator = await Orchestrator.start(flaky, {
      clock,
      cronGraceMs: 5_000,
      cronTakeoverMs: 500,
      drainTimeoutMs: 0,
    });
    running.push(orchestrator);
    await declare(orchestrator, { expression: "* * * * *" });
    await clock.advance(59_000); // 10:00:59.5
    failures = 1;
    await clock.advance(999); // 10:01:00.499: the 10:01 claim failed, not tried again yet
    expect(await slots(store)).toEqual([]);
    await clock.advance(1);
    expect(await slots(store)).toEqual(["2026-03-01T10:01:00.000Z"]);
  });

  it("a condition this replica hears of only after its slot came due is planned at once", async () => {
    const clock = new FakeClock(Date.parse("2026-03-01T10:59:59.000Z"));
    const store = new MemoryStore();
    // Trigger notices are lost on the way: the registry check of the sweeps finds the change.
    const deaf = overrideStore(store, {
      subscribe: (listener: (notice: StoreNotice) => void) =>
        store.subscribe((notice) => notice.type !== "trigger" && listener(notice)),
    });
    const orchestrator = await Orchestrator.start(deaf, { clock, cronGraceMs: 5_000, drainTimeoutMs: 0 });
    running.push(orchestrator);
    await declare(orchestrator, { expression: "0 * * * *" }); // the schedule has a timer already
    await clock.advance(900); // 10:59:59.9: created elsewhere, unheard of here
    const condition: CronCondition = {
      kind: "cron",
      expression: "0 * * * *",
      timezone: "UTC",
      misfire: "skip",
      catchUpWindowMs: 0,
    };
    await store.registry.createTrigger(
      trigger("trg_late", {
        targetTaskId: "tick",
        appId: "cron-app",
        conditions: [condition],
        providers: [{ kind: "cel", expression: "{'slot': scheduledTime}" }],
        createdAt: clock.now(),
      }),
    );
    await clock.advance(2_000); // 11:00:01.9
    expect(orchestrator.index.get("trg_late")).toBeDefined();
    const late = await store.work.listInvocations({ taskId: "tick", triggerId: "trg_late", limit: 10 });
    expect(late.items.map((invocation) => invocation.arguments.slot)).toEqual([
      Date.parse("2026-03-01T11:00:00.000Z"),
    ]);
  });

  it("two replicas on one store fire each slot once", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const a = await start(store, clock);
    await start(store, clock);
    await declare(a, { expression: "*/10 * * * * *" });
    for (let i = 0; i < 6; i++) await clock.advance(10_000);
    expect(await slots(store)).toHaveLength(6);
    expect(new Set(await slots(store)).size).toBe(6);
  });
});
