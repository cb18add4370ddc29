/**
 * SIGTERM keeps its drain limit: evaluations waiting for a worker that knows their
 * function (or for its answer) do not hold the shutdown; they are deferred, stored
 * for another replica or the next start, and run there exactly once.
 */
import { type JsonObject, Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { createStore, STORE_KINDS, storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

/** Filters of app "drain" (module level: the same function ids in every process). */
function answeredLate(payload: JsonObject): boolean {
  return payload.n === 1;
}
function knownToNone(payload: JsonObject): boolean {
  return payload.n === 1;
}

function declare(app: Nenc): void {
  app.task("on_answered_late", async () => "late", {
    triggers: new TriggerBuilder().onEvent("drain.e", { payloadFilter: answeredLate }),
  });
  app.task("on_known_to_none", async () => "none", {
    triggers: new TriggerBuilder().onEvent("drain.e", { payloadFilter: knownToNone }),
  });
}

let servers: NencServer[] = [];
let apps: Nenc[] = [];
let raw: RawWorker | undefined;

afterEach(async () => {
  raw?.close();
  await Promise.all(apps.map((app) => app.close()));
  for (const server of servers) await server.stop();
  servers = [];
  apps = [];
});

describe.each(STORE_KINDS)("shutdown within the drain limit on %s", (kind) => {
  it("defers evaluations waiting for a function's worker or answer, and they fire once after the restart", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const prefix = uniquePrefix();
    const store: Store = await createStore(kind, { prefix });
    // waitForWorkerMs and evaluationTimeoutMs are their defaults (5 min, 30 s): without the bound, stop() waits that long.
    const first = await startTestServer({ store, orchestrator: { drainTimeoutMs: 300 } });
    servers.push(first);
    const declaring = new Nenc({ url: first.url, appId: "drain" });
    apps.push(declaring);
    declare(declaring);
    await declaring.register();
    const ids = new Map((await declaring.trigger.list()).map((t) => [t.targetTaskId, t.id]));
    const answeredLateId = ids.get("on_answered_late")!;
    const knownToNoneId = ids.get("on_known_to_none")!;
    const [answeredLateFn] = (await store.registry.getTrigger(answeredLateId))!.conditions.map((c) =>
      c.kind === "event" && c.payloadFilter?.kind === "function" ? c.payloadFilter.functionId : "",
    );

    // A worker of the app that knows one of the two functions and never answers.
    raw = openRawWorker(first.url);
    raw.send({
      case: "hello",
      value: { appId: "drain", workerId: "w-silent", concurrency: 1, functions: [answeredLateFn!] },
    });
    expect((await raw.next()).message.case).toBe("welcome");
    await declaring.trigger.emitEvent("drain.e", { n: 1 });
    const asked = await raw.next();
    expect(asked.message.case).toBe("evaluate");

    await first.stop();
    servers = [];
    const outcomes = async (triggerId: string) =>
      (await reopened.history.listEvaluations(triggerId, 10)).map((evaluation) => evaluation.outcome);
    const reopened = kind === "memory" ? store : await createStore(kind, { prefix });
    expect(await outcomes(answeredLateId)).toEqual(["deferred"]);
    expect(await outcomes(knownToNoneId)).toEqual(["deferred"]);
    if (kind === "memory") return; // the memory store ends with its process; Redis keeps the deferred evaluations

    const second = await startTestServer({ store: reopened });
    servers.push(second);
    const worker = new Nenc({ url: second.url, appId: "drain" });
    apps.push(worker);
    declare(worker);
    await worker.startWorker();
    for (const task of ["on_answered_late", "on_known_to_none"]) {
      await waitFor(
        async () => (await worker.listInvocations({ taskId: task, status: "SUCCESS" })).length === 1,
        `${task} to run after the restart`,
      );
    }
    await second.orchestrator.settled();
    expect((await worker.listInvocations({ taskId: "on_answered_late" })).length).toBe(1);
    expect((await worker.listInvocations({ taskId: "on_known_to_none" })).length).toBe(1);
    expect(await outcomes(answeredLateId)).toEqual(["fired", "deferred"]);
    expect(await outcomes(knownToNoneId)).toEqual(["fired", "deferred"]);
  });
});
