/**
 * What the per-role contract suites share: a fresh store of each kind per test
 * (the same retention everywhere, so that bounds are reached early) with one app
 * registered, and small helpers. Each suite file covers one role of the Store
 * (docs/design.md §1.2) on every store kind; none branches on the kind.
 */
import { afterEach, beforeEach } from "vitest";
import type { NewInvocation } from "../../src/domain/invocation.js";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { NO_RETRY } from "../../src/domain/task.js";
import type { Store, WorkerRef } from "../../src/store/store.js";
import { createStore, type StoreKind, storeAvailable } from "../support/stores.js";

/** A signal that never aborts. */
export const never = new AbortController().signal;

/** A new invocation of `taskId` (app "app"), its arguments naming it. */
export function newInvocation(id: string, taskId = "task", at = 1000): NewInvocation {
  return { id, taskId, appId: "app", arguments: { n: id }, createdAt: at };
}

/**
 * Registers the hooks that give each test a fresh store of `kind` (app "app" with
 * task "task" registered; 5 finished invocations, 4 events and 3 evaluations per
 * trigger kept) and close it; returns the current test's store. A kind this run
 * cannot test (no redis-server) skips its tests.
 */
export function useContractStore(kind: StoreKind): () => Store {
  let store: Store | undefined;
  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    store = await createStore(kind, {
      retention: { maxFinishedInvocations: 5, maxEvents: 4, evaluationsPerTrigger: 3 },
    });
    await store.registry.registerApp({
      appId: "app",
      tasks: [{ id: "task", appId: "app", retry: NO_RETRY }],
      triggers: [],
    });
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return () => {
    if (!store) throw new Error("no store: used outside a test");
    return store;
  };
}

/** Connects a worker (a new stream of it) with a lease until `until`. */
export async function connectWorker(
  store: Store,
  workerId: string,
  sessionId = `${workerId}-s1`,
  until = 1e12,
): Promise<WorkerRef> {
  const worker = { workerId, sessionId };
  await store.work.connectWorker(worker, [], until, 0);
  return worker;
}

/** Reads and settles every occurrence logged so far (as replica "c1"). */
export async function drainOccurrences(store: Store): Promise<Occurrence[]> {
  const read = await store.log.readOccurrences("c1", 1000, 50, never);
  await store.log.settleOccurrences([], read);
  return read.map((item) => item.occurrence);
}
