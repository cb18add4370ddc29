/**
 * Evaluations slower than the store's reclaimAfterMs (a filter function whose
 * worker answers late) are kept by the replica running them: evaluated once,
 * fired once, never recorded as errored, and not handed to another reader
 * meanwhile. Real gRPC, a real worker, on every store.
 */
import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { startTestServer } from "../support/server.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const RECLAIM_AFTER_MS = 200;
const never = new AbortController().signal;

/** Payloads the filter was called with (module level: not a captured value). */
const filterCalls: number[] = [];

/** A filter whose worker answers after seven reclaim delays. */
async function slowFilter(payload: JsonObject): Promise<boolean> {
  filterCalls.push(Number(payload.n));
  await new Promise((resolve) => setTimeout(resolve, 1400));
  return true;
}

describe.each(STORE_KINDS)("evaluations slower than reclaimAfterMs on %s", (kind) => {
  let store: Store;
  let server: NencServer;
  let app: Nenc;

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    filterCalls.length = 0;
    store = await createStore(kind, { reclaimAfterMs: RECLAIM_AFTER_MS });
    server = await startTestServer({ store });
    app = new Nenc({ url: server.url, appId: "slow" });
    app.task("on_slow", async ({ n }: { n: number }) => n, {
      triggers: new TriggerBuilder()
        .onEvent("slow", { payloadFilter: slowFilter })
        .withArgsFromCel("{'n': payload.n}"),
    });
  });

  afterEach(async () => {
    await app?.close();
    await server?.stop();
  });

  const history = async () => {
    const [declared] = await app.trigger.list({ targetTaskId: "on_slow" });
    return (await app.trigger.explain(declared!.id)).evaluations.map((evaluation) => evaluation.outcome);
  };

  it("a filter answering late is called once and its trigger fires once", async () => {
    await app.startWorker();
    const startedAt = Date.now();
    await app.trigger.emitEvent("slow", { n: 1 });
    const runs = await waitFor(async () => {
      const done = await app.listInvocations({ taskId: "on_slow", status: "SUCCESS" });
      return done.length > 0 && done;
    }, "the triggered run");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5 * RECLAIM_AFTER_MS);
    await server.orchestrator.settled(20_000);
    expect(runs.map((run) => run.result)).toEqual([1]);
    expect(filterCalls).toEqual([1]);
    expect(await history()).toEqual(["fired"]);
  });

  it("a deferred evaluation whose filter answers late is kept: another reader never gets it", async () => {
    // Registered without a worker: the evaluation is deferred until one connects.
    await app.register();
    await app.trigger.emitEvent("slow", { n: 2 });
    await waitFor(async () => (await history()).includes("deferred"), "the deferred record");
    await app.startWorker();
    await waitFor(() => filterCalls.length > 0, "the filter to be called");
    const calledAt = Date.now();
    // Another replica reading the app's deferred evaluations while the filter runs.
    let otherReads = 0;
    await waitFor(
      async () => {
        expect(await store.deferred.readDeferred(["slow"], "another-replica", 10, 0, never)).toEqual([]);
        otherReads++;
        return (await app.listInvocations({ taskId: "on_slow", status: "SUCCESS" })).length > 0;
      },
      "the triggered run",
      10_000,
      50,
    );
    expect(Date.now() - calledAt).toBeGreaterThanOrEqual(5 * RECLAIM_AFTER_MS);
    expect(otherReads).toBeGreaterThan(5);
    await server.orchestrator.settled(20_000);
    expect(filterCalls).toEqual([2]);
    expect(await history()).toEqual(["fired", "deferred"]);
    expect((await app.listInvocations({ taskId: "on_slow" })).map((run) => run.result)).toEqual([2]);
  });
});
