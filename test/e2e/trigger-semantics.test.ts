/**
 * The rules of docs/design.md §3, each asserted with exact counts over real gRPC and real
 * workers on the memory store.
 */
import {
  cel,
  type ExceptionContext,
  type JsonObject,
  Nenc,
  type ResultContext,
  TriggerBuilder,
} from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../support/fake-clock.js";
import { openRawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { overrideRole } from "../support/store-faults.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

describe.each(STORE_KINDS)("trigger semantics on %s", (kind) => {
  let server: NencServer;
  let app: Nenc;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind });
    app = new Nenc({ url: server.url, appId: "rules" });
  });

  afterEach(async () => {
    await app?.close();
    await server?.stop();
  });

  const settle = () => server.orchestrator.settled(20_000);
  const runs = async (taskId: string) => (await app.listInvocations({ taskId, limit: 1000 })).reverse();
  const successes = async (taskId: string) => (await runs(taskId)).filter((run) => run.status === "SUCCESS");

  class PaymentError extends Error {}
  class CardDeclinedError extends PaymentError {}

  // Module-level functions, as docs/design.md §3.7 asks of filters and providers.
  function explodingFilter(_args: JsonObject): boolean {
    throw new Error("filter exploded");
  }
  function explodingProvider(_ctx: ResultContext): JsonObject {
    throw new RangeError("provider exploded");
  }
  function arrayProvider(_ctx: ResultContext): JsonObject {
    return [1, 2] as unknown as JsonObject;
  }
  function describeFailure(ctx: ExceptionContext) {
    return {
      type: ctx.exceptionType,
      chain: ctx.exceptionChain,
      message: ctx.exceptionMessage,
      x: ctx.arguments.x ?? null,
    };
  }

  describe("once per occurrence (docs/design.md §3.3)", () => {
    it("a burst of 100 events gives 100 runs, never a coalesced one", async () => {
      app.task("on_ping", async ({ n }: { n: number }) => n, {
        triggers: new TriggerBuilder().onEvent("ping").withArgsFromCel("{'n': payload.n}"),
      });
      await app.startWorker({ concurrency: 20 });
      await Promise.all(Array.from({ length: 100 }, (_, n) => app.trigger.emitEvent("ping", { n })));
      await settle();
      const done = await successes("on_ping");
      expect(done).toHaveLength(100);
      expect(done.map((run) => run.result).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 100 }, (_, n) => n),
      );
    });

    it("RUNNING fires once per attempt, for a task quicker than the start's write and for a slow one", async () => {
      const gate = deferred();
      const source = app.task("source", async ({ slow }: { slow: boolean }) => {
        if (slow) await gate.promise;
        return slow;
      });
      app.task("on_running", async ({ slow }: { slow: boolean }) => slow, {
        triggers: new TriggerBuilder()
          .onStatus(source, { statuses: ["RUNNING"] })
          .withArgsFromCel("{'slow': arguments.slow}"),
      });
      await app.startWorker({ concurrency: 4 });
      await (await source.invoke({ slow: false })).result();
      const slow = await source.invoke({ slow: true });
      await waitFor(async () => (await successes("on_running")).length === 2, "both RUNNING triggers to run");
      expect(await slow.status()).toBe("RUNNING");
      gate.resolve();
      await slow.result();
      await settle();
      expect((await successes("on_running")).map((run) => run.result)).toEqual([false, true]);
    });

    it("SUCCESS AND any result of one task fires once per invocation; so does OR of the same two", async () => {
      const source = app.task("source", async ({ i }: { i: number }) => i);
      app.task("and_target", async () => "and", {
        triggers: new TriggerBuilder()
          .onStatus(source, { statuses: ["SUCCESS"] })
          .onAnyResult(source)
          .withLogic("and"),
      });
      app.task("or_target", async () => "or", {
        triggers: new TriggerBuilder()
          .onStatus(source, { statuses: ["SUCCESS"] })
          .onAnyResult(source)
          .withLogic("or"),
      });
      await app.startWorker();
      for (const i of [1, 2, 3]) await (await source.invoke({ i })).result();
      await settle();
      expect(await successes("and_target")).toHaveLength(3);
      expect(await successes("or_target")).toHaveLength(3);
    });

    it("OR over two tasks fires once per completion of either", async () => {
      const a = app.task("task_a", async () => "a");
      const b = app.task("task_b", async () => "b");
      app.task("either", async () => "either", {
        triggers: new TriggerBuilder().onSuccess(a).onSuccess(b).withLogic("or"),
      });
      await app.startWorker();
      for (const task of [a, b, a, a, b]) await (await task.invoke({})).result();
      await settle();
      const done = await successes("either");
      expect(done).toHaveLength(5);
      expect(new Set(done.flatMap((run) => run.provenance?.sourceInvocationIds ?? [])).size).toBe(5);
    });
  });

  describe("AND joins (docs/design.md §3.4)", () => {
    it("across two tasks: fires once per pair and never re-fires with a stale partner", async () => {
      const a = app.task("join_a", async ({ n }: { n: number }) => n);
      const b = app.task("join_b", async ({ n }: { n: number }) => n);
      app.task("pair", async () => "pair", { triggers: new TriggerBuilder().onSuccess(a).onSuccess(b) });
      await app.startWorker();
      const step = async (task: typeof a, n: number) => {
        await (await task.invoke({ n })).result();
        await settle();
        return (await successes("pair")).length;
      };
      expect(await step(a, 1)).toBe(0);
      expect(await step(b, 1)).toBe(1);
      expect(await step(b, 2)).toBe(1);
      expect(await step(a, 2)).toBe(2);
      const pairs = (await successes("pair")).map((run) => run.provenance?.sourceInvocationIds.length);
      expect(pairs).toEqual([2, 2]);
    });

    it("each AND trigger keeps its own state: two triggers on the same pair both fire", async () => {
      const a = app.task("shared_a", async () => 1);
      const b = app.task("shared_b", async () => 2);
      app.task("first_join", async () => 1, { triggers: new TriggerBuilder().onSuccess(a).onSuccess(b) });
      app.task("second_join", async () => 2, { triggers: new TriggerBuilder().onSuccess(b).onSuccess(a) });
      await app.startWorker();
      await (await a.invoke({})).result();
      await (await b.invoke({})).result();
      await settle();
      expect(await successes("first_join")).toHaveLength(1);
      expect(await successes("second_join")).toHaveLength(1);
    });

    it("correlateBy joins an order's payment event with that order's shipping task only", async () => {
      const ship = app.task("ship", async ({ orderId }: { orderId: string }) => orderId);
      app.task("close_order", async ({ orderId }: { orderId: string }) => orderId, {
        triggers: new TriggerBuilder()
          .onSuccess(ship)
          .onEvent("payment.settled")
          .correlateBy("orderId")
          .withArgsFromCel("{'orderId': contexts[0].arguments.orderId}"),
      });
      await app.startWorker();
      await (await ship.invoke({ orderId: "o1" })).result();
      await (await ship.invoke({ orderId: "o2" })).result();
      await app.trigger.emitEvent("payment.settled", { orderId: "o2" });
      await settle();
      expect((await successes("close_order")).map((run) => run.result)).toEqual(["o2"]);
      await app.trigger.emitEvent("payment.settled", { orderId: "o3" });
      await app.trigger.emitEvent("payment.settled", { orderId: "o1" });
      await settle();
      expect((await successes("close_order")).map((run) => run.result)).toEqual(["o2", "o1"]);
      const triggerId = (await app.trigger.list({ targetTaskId: "close_order" }))[0]!.id;
      const { pending } = await app.trigger.explain(triggerId);
      expect(pending).toEqual([
        { correlationKey: '"o3"', satisfiedConditions: [1], occurrenceIds: [expect.stringMatching(/^evt_/)] },
      ]);
    });

    it("two conditions on one event code join two events: an order's payment and its shipping", async () => {
      app.task("order_done", async ({ orderId }: { orderId: string }) => orderId, {
        triggers: new TriggerBuilder()
          .onEvent("order", { payloadFilter: { step: "paid" } })
          .onEvent("order", { payloadFilter: { step: "shipped" } })
          .correlateBy("orderId")
          .withArgsFromCel("{'orderId': contexts[0].payload.orderId}"),
      });
      await app.startWorker();
      await app.trigger.emitEvent("order", { orderId: "o1", step: "paid" });
      await app.trigger.emitEvent("order", { orderId: "o2", step: "shipped" });
      await app.trigger.emitEvent("order", { orderId: "o1", step: "shipped" });
      await settle();
      expect((await successes("order_done")).map((run) => run.result)).toEqual(["o1"]);
      await app.trigger.emitEvent("order", { orderId: "o2", step: "paid" });
      await settle();
      expect((await successes("order_done")).map((run) => run.result)).toEqual(["o1", "o2"]);
    });

    it("within(ms): a partner inside the window fires; past it, the partial match expires and says so", async () => {
      // The engine runs on a clock the test moves: the window's edges are exact.
      const clock = new FakeClock(Date.now());
      const windowServer = await startTestServer({ kind, orchestrator: { clock } });
      const windowApp = new Nenc({ url: windowServer.url, appId: "windows" });
      try {
        const a = windowApp.task("windowed_a", async () => 1);
        windowApp.task("windowed", async () => "joined", {
          triggers: new TriggerBuilder().onSuccess(a).onEvent("window.close").within(5_000),
        });
        await windowApp.startWorker();
        const joined = async () =>
          (await windowApp.listInvocations({ taskId: "windowed", limit: 10 })).filter(
            (run) => run.status === "SUCCESS",
          ).length;
        const round = async (waitMs: number) => {
          await (await a.invoke({})).result();
          await windowServer.orchestrator.settled(20_000);
          await clock.advance(waitMs);
          await windowApp.trigger.emitEvent("window.close", {});
          await windowServer.orchestrator.settled(20_000);
          return joined();
        };
        expect(await round(4_999)).toBe(1); // 1 ms inside the window
        expect(await round(5_001)).toBe(1); // 1 ms past it: nothing more
        const triggerId = (await windowApp.trigger.list({ targetTaskId: "windowed" }))[0]!.id;
        const outcomes = (await windowApp.trigger.explain(triggerId)).evaluations.map(
          (evaluation) => evaluation.outcome,
        );
        expect(outcomes.reverse()).toEqual(["waiting", "fired", "waiting", "expired", "waiting"]);
      } finally {
        await windowApp.close();
        await windowServer.stop();
      }
    });

    it("SUCCESS AND a rejected result of the same invocation keeps nothing waiting", async () => {
      const source = app.task("scored", async ({ score }: { score: number }) => score);
      app.task("high_score", async () => "high", {
        triggers: new TriggerBuilder()
          .onSuccess(source)
          .onResult(source, { filterResult: cel("result > 5") }),
      });
      await app.startWorker();
      for (const score of [1, 9, 3]) await (await source.invoke({ score })).result();
      await settle();
      expect(await successes("high_score")).toHaveLength(1);
      const triggerId = (await app.trigger.list({ targetTaskId: "high_score" }))[0]!.id;
      const { pending, evaluations } = await app.trigger.explain(triggerId);
      expect(pending).toEqual([]);
      expect(evaluations.map((evaluation) => evaluation.outcome).reverse()).toEqual([
        "filtered_out",
        "fired",
        "filtered_out",
      ]);
      expect(evaluations[0]?.detail).toMatch(
        /^rejected by filterResult \(CEL "result > 5"\): invocation inv_\w+ \(SUCCESS\) can never satisfy condition\(s\) 1; nothing kept$/,
      );
    });
  });

  describe("exceptions (docs/design.md §3.8)", () => {
    it("two failures with the same type are two runs; chains match parents; final failures only", async () => {
      const charge = app.task(
        "charge",
        async ({ x }: { x: number }) => {
          throw new CardDeclinedError(`declined ${x}`);
        },
        { retry: { maxRetries: 1, initialBackoffMs: 1 } },
      );
      app.task("on_payment_error", async (args: JsonObject) => args, {
        triggers: new TriggerBuilder()
          .onException(charge, { exceptionTypes: PaymentError })
          .withArgsFromException(describeFailure),
      });
      app.task("on_any_error", async () => "any", {
        triggers: new TriggerBuilder().onException(charge, { exceptionTypes: "Error" }),
      });
      app.task("on_type_error", async () => "never", {
        triggers: new TriggerBuilder().onException(charge, { exceptionTypes: TypeError }),
      });
      await app.startWorker();
      for (const x of [1, 2]) await (await charge.invoke({ x })).result().catch(() => undefined);
      await settle();
      const payment = await successes("on_payment_error");
      expect(payment.map((run) => run.result)).toEqual([
        {
          type: "CardDeclinedError",
          chain: ["CardDeclinedError", "PaymentError", "Error"],
          message: "declined 1",
          x: 1,
        },
        {
          type: "CardDeclinedError",
          chain: ["CardDeclinedError", "PaymentError", "Error"],
          message: "declined 2",
          x: 2,
        },
      ]);
      expect(await successes("on_any_error")).toHaveLength(2);
      expect(await runs("on_type_error")).toHaveLength(0);
    });
  });

  describe("failures of user code are contained (docs/design.md §3.12)", () => {
    it("a throwing filter, a throwing provider and a non-object provider are recorded; other triggers still fire", async () => {
      const source = app.task("contained_source", async () => ({ ok: true }));
      app.task("bad_filter", async () => 1, {
        triggers: new TriggerBuilder().onSuccess(source, { callArguments: explodingFilter }),
      });
      app.task("bad_provider", async () => 2, {
        triggers: new TriggerBuilder().onSuccess(source).withArgsFromResult(explodingProvider),
      });
      app.task("array_provider", async () => 3, {
        triggers: new TriggerBuilder().onSuccess(source).withArgsFromResult(arrayProvider),
      });
      app.task("healthy", async () => 4, { triggers: new TriggerBuilder().onSuccess(source) });
      await app.startWorker();
      await (await source.invoke({})).result();
      await settle();
      expect(await successes("healthy")).toHaveLength(1);
      for (const task of ["bad_filter", "bad_provider", "array_provider"])
        expect(await runs(task)).toHaveLength(0);
      const detail = async (task: string) => {
        const id = (await app.trigger.list({ targetTaskId: task }))[0]!.id;
        return (await app.trigger.explain(id)).evaluations.map((evaluation) => [
          evaluation.outcome,
          evaluation.detail,
        ]);
      };
      expect(await detail("bad_filter")).toEqual([
        [
          "errored",
          expect.stringMatching(
            /^callArguments \(function explodingFilter#[0-9a-f]{12}\) failed: Error: filter exploded$/,
          ),
        ],
      ]);
      expect(await detail("bad_provider")).toEqual([
        [
          "errored",
          expect.stringMatching(
            /^argument provider 0 \(function explodingProvider#[0-9a-f]{12}\) failed: RangeError: provider exploded$/,
          ),
        ],
      ]);
      expect(await detail("array_provider")).toEqual([
        [
          "errored",
          "argument provider 0 returned an array; an argument provider must return an object of named arguments",
        ],
      ]);
    });
  });

  function isVipLogin(payload: JsonObject): boolean {
    return payload.vip === true;
  }

  describe("functions need a worker of their app", () => {
    it("an evaluation waits (durably, and says so) until a worker of the app connects, then fires once", async () => {
      app.task("greet_vip", async ({ user }: { user: string }) => `hello ${user}`, {
        triggers: new TriggerBuilder()
          .onEvent("login", { payloadFilter: isVipLogin })
          .withArgsFromCel("{'user': payload.user}"),
      });
      await app.register(); // no worker yet
      await app.trigger.emitEvent("login", { user: "ada", vip: true });
      await app.trigger.emitEvent("login", { user: "bob", vip: false });
      const triggerId = (await app.trigger.list({ targetTaskId: "greet_vip" }))[0]!.id;
      const deferred = async () =>
        (await app.trigger.explain(triggerId)).evaluations.filter(
          (evaluation) => evaluation.outcome === "deferred",
        ).length;
      await waitFor(async () => (await deferred()) === 2, "two deferred evaluations");
      expect(await runs("greet_vip")).toHaveLength(0);

      await app.startWorker();
      await settle();
      expect((await successes("greet_vip")).map((run) => run.result)).toEqual(["hello ada"]);
      const outcomes = (await app.trigger.explain(triggerId)).evaluations
        .map((evaluation) => evaluation.outcome)
        .sort();
      expect(outcomes).toEqual(["deferred", "deferred", "filtered_out", "fired"]);
    });
    it("a filter that waits in vain for a worker knowing it is deferred, not failed, and fires once one connects", async () => {
      const quick = await startTestServer({ kind, orchestrator: { waitForWorkerMs: 100 } });
      const fx = new Nenc({ url: quick.url, appId: "fx" });
      const bystander = openRawWorker(quick.url);
      try {
        fx.task("greet_vip_later", async ({ user }: { user: string }) => `hello ${user}`, {
          triggers: new TriggerBuilder()
            .onEvent("login", { payloadFilter: isVipLogin })
            .withArgsFromCel("{'user': payload.user}"),
        });
        await fx.register();
        // A worker of the app that knows none of its functions: the filter waits for one that does.
        bystander.send({
          case: "hello",
          value: { appId: "fx", workerId: "bystander", concurrency: 1, taskIds: [] },
        });
        expect((await bystander.next()).message.case).toBe("welcome");
        await fx.trigger.emitEvent("login", { user: "ada", vip: true });
        const triggerId = (await fx.trigger.list({ targetTaskId: "greet_vip_later" }))[0]!.id;
        const outcomes = async () =>
          (await fx.trigger.explain(triggerId)).evaluations.map((evaluation) => evaluation.outcome);
        await waitFor(async () => (await outcomes()).includes("deferred"), "the evaluation to be deferred");

        await fx.startWorker();
        await quick.orchestrator.settled(20_000);
        const ran = (await fx.listInvocations({ taskId: "greet_vip_later" })).map((run) => run.result);
        expect(ran).toEqual(["hello ada"]);
        const seen = await outcomes();
        expect(seen.filter((outcome) => outcome === "fired")).toHaveLength(1);
        expect(seen.filter((outcome) => outcome !== "fired" && outcome !== "deferred")).toEqual([]);
      } finally {
        bystander.close();
        await fx.close();
        await quick.stop();
      }
    });
  });

  describe("store failures during evaluation (docs/design.md §2.3: never lose the occurrence)", () => {
    /**
     * A server whose store runs `before` ahead of its first `fire` (failure injection);
     * an occurrence left unacknowledged is handed out again after 300 ms.
     */
    async function serverWithFirstFire(before: (store: Store) => Promise<void>) {
      const store = await createStore(kind, { reclaimAfterMs: 300 });
      let fires = 0;
      const injected = overrideRole(store, "work", (work) => ({
        async fire(...args: Parameters<Store["work"]["fire"]>) {
          if (fires++ === 0) await before(store);
          return work.fire(...args);
        },
      }));
      const injectedServer = await startTestServer({ store: injected });
      const injectedApp = new Nenc({ url: injectedServer.url, appId: "injected" });
      return { server: injectedServer, app: injectedApp, fires: () => fires };
    }

    it("a store error in a firing leaves the occurrence to be evaluated again: it fires exactly once", async () => {
      const injected = await serverWithFirstFire(async () => {
        throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
      });
      try {
        injected.app.task("after_oom", async () => "ran", {
          triggers: new TriggerBuilder().onEvent("flaky"),
        });
        await injected.app.startWorker();
        await injected.app.trigger.emitEvent("flaky", {});
        await injected.server.orchestrator.settled(20_000);
        const done = await injected.app.listInvocations({ taskId: "after_oom", limit: 10 });
        expect(done.map((run) => [run.status, run.result])).toEqual([["SUCCESS", "ran"]]);
        expect(injected.fires()).toBe(2);
        const triggerId = (await injected.app.trigger.list({ targetTaskId: "after_oom" }))[0]!.id;
        const { evaluations } = await injected.app.trigger.explain(triggerId);
        expect(evaluations.map((evaluation) => evaluation.outcome)).toEqual(["fired"]);
      } finally {
        await injected.app.close();
        await injected.server.stop();
      }
    });

    it("a firing for a trigger paused meanwhile (the index lags) creates nothing and says so", async () => {
      let triggerId = "";
      const injected = await serverWithFirstFire(async (store) => {
        // As another replica would: the store knows before this replica's index does.
        await store.registry.setTriggerPaused(triggerId, true);
      });
      try {
        injected.app.task("paused_meanwhile", async () => "ran", {
          triggers: new TriggerBuilder().onEvent("raced"),
        });
        await injected.app.startWorker();
        triggerId = (await injected.app.trigger.list({ targetTaskId: "paused_meanwhile" }))[0]!.id;
        await injected.app.trigger.emitEvent("raced", {});
        await injected.server.orchestrator.settled(20_000);
        expect(await injected.app.listInvocations({ taskId: "paused_meanwhile", limit: 10 })).toEqual([]);
        const { evaluations } = await injected.app.trigger.explain(triggerId);
        expect(evaluations.map((evaluation) => [evaluation.outcome, evaluation.detail])).toEqual([
          ["skipped", "trigger is paused"],
        ]);
      } finally {
        await injected.app.close();
        await injected.server.stop();
      }
    });
  });

  describe("exactly-once firing (docs/design.md §2.1)", () => {
    it("re-processing an occurrence never creates a second run", async () => {
      app.task("once", async () => "once", { triggers: new TriggerBuilder().onEvent("replayed") });
      await app.startWorker();
      const eventId = await app.trigger.emitEvent("replayed", { v: 1 });
      await settle();
      const occurrence = {
        kind: "event" as const,
        id: eventId,
        at: Date.now(),
        code: "replayed",
        payload: { v: 1 },
      };
      await server.orchestrator.store.log.appendOccurrences([occurrence, occurrence]);
      await settle();
      expect(await runs("once")).toHaveLength(1);
      const id = (await app.trigger.list({ targetTaskId: "once" }))[0]!.id;
      expect((await app.trigger.explain(id)).evaluations.map((evaluation) => evaluation.outcome)).toEqual([
        "deduplicated",
        "deduplicated",
        "fired",
      ]);
    });

    it("a replay after retention dropped the triggered run still deduplicates, and says so", async () => {
      const small = await startTestServer({ kind, retention: { maxFinishedInvocations: 2 } });
      const smallApp = new Nenc({ url: small.url, appId: "retained" });
      try {
        smallApp.task("audited", async () => "audited", { triggers: new TriggerBuilder().onEvent("audit") });
        const filler = smallApp.task("filler", async () => 0);
        await smallApp.startWorker();
        const eventId = await smallApp.trigger.emitEvent("audit", {});
        await small.orchestrator.settled(20_000);
        const [first] = await smallApp.listInvocations({ taskId: "audited", limit: 10 });
        for (let i = 0; i < 4; i++) await (await filler.invoke({})).result();
        await small.orchestrator.settled(20_000);
        expect(await smallApp.listInvocations({ taskId: "audited", limit: 10 })).toEqual([]);

        expect(await smallApp.clients.events.replayEvents({ code: "audit" })).toMatchObject({
          replayedCount: 1,
        });
        await small.orchestrator.settled(20_000);
        expect(await smallApp.listInvocations({ taskId: "audited", limit: 10 })).toEqual([]);
        const id = (await smallApp.trigger.list({ targetTaskId: "audited" }))[0]!.id;
        const [latest] = (await smallApp.trigger.explain(id)).evaluations;
        expect(latest).toMatchObject({
          outcome: "deduplicated",
          occurrenceId: eventId,
          invocationId: first!.id,
          detail: `this occurrence fired the trigger already (invocation ${first!.id}, since dropped by retention)`,
        });
      } finally {
        await smallApp.close();
        await small.stop();
      }
    });
  });

  describe("events (docs/design.md §3.10)", () => {
    it("an idempotency key makes a repeated emit a no-op returning the first id", async () => {
      app.task("on_order", async () => 1, { triggers: new TriggerBuilder().onEvent("order.created") });
      await app.startWorker();
      const first = await app.trigger.emitEvent("order.created", { id: 1 }, { idempotencyKey: "order-1" });
      const again = await app.trigger.emitEvent("order.created", { id: 1 }, { idempotencyKey: "order-1" });
      const other = await app.trigger.emitEvent("order.created", { id: 2 }, { idempotencyKey: "order-2" });
      expect(again).toBe(first);
      expect(other).not.toBe(first);
      await settle();
      expect(await runs("on_order")).toHaveLength(2);
    });

    it("replay evaluates stored events against triggers created since, without re-firing the others", async () => {
      app.task("early", async () => 1, { triggers: new TriggerBuilder().onEvent("audit") });
      const late = app.task("late", async ({ n }: { n: number }) => n);
      await app.startWorker();
      for (const n of [1, 2, 3]) await app.trigger.emitEvent("audit", { n });
      await settle();
      const triggerId = await app.trigger.onEvent("audit").withArgsFromCel("{'n': payload.n}").register(late);
      const response = await app.clients.events.replayEvents({ code: "audit" });
      expect(response.replayedCount).toBe(3);
      await settle();
      expect(await runs("early")).toHaveLength(3);
      expect((await successes("late")).map((run) => run.result)).toEqual([1, 2, 3]);
      const events = await app.clients.events.listEvents({ code: "audit" });
      expect(events.events.map((event) => event.invocationIds.length)).toEqual([2, 2, 2]);
      expect((await app.trigger.invocationsOf(triggerId)).length).toBe(3);
    });
  });

  describe("explainability (docs/design.md §3.13)", () => {
    it("records fired, waiting, filtered out (by which filter) and skipped (paused)", async () => {
      const order = app.task("explained_order", async ({ amount }: { amount: number }) => amount);
      app.task("big_orders", async () => 1, {
        triggers: new TriggerBuilder().onSuccess(order, { callArguments: { tier: "gold" } }),
      });
      app.task("order_and_event", async () => 2, {
        triggers: new TriggerBuilder().onSuccess(order).onEvent("approved"),
      });
      await app.startWorker();
      await (await order.invoke({ amount: 5, tier: "gold" } as never)).result();
      await (await order.invoke({ amount: 6, tier: "silver" } as never)).result();
      await settle();
      const ids = Object.fromEntries(
        (await app.trigger.list()).map((trigger) => [trigger.targetTaskId, trigger.id]),
      );
      const big = await app.trigger.explain(ids.big_orders!);
      expect(big.evaluations.map((evaluation) => [evaluation.outcome, evaluation.detail])).toEqual([
        ["filtered_out", 'rejected by callArguments {"tier":"gold"}'],
        ["fired", "invoked big_orders"],
      ]);
      const joined = await app.trigger.explain(ids.order_and_event!);
      expect(
        joined.evaluations.map((evaluation) => [evaluation.outcome, evaluation.missingConditions]),
      ).toEqual([
        ["waiting", [1]],
        ["waiting", [1]],
      ]);
      await app.trigger.pause(ids.big_orders!);
      await (await order.invoke({ amount: 7, tier: "gold" } as never)).result();
      await settle();
      expect((await app.trigger.explain(ids.big_orders!)).evaluations[0]).toMatchObject({
        outcome: "skipped",
        detail: "trigger is paused",
      });
      await app.trigger.resume(ids.big_orders!);
      await (await order.invoke({ amount: 8, tier: "gold" } as never)).result();
      await settle();
      expect(await successes("big_orders")).toHaveLength(2);
    });
  });
});
