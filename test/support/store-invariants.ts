import type { Invocation } from "../../src/domain/invocation.js";
import { ACTIVITY_KEPT_MS } from "../../src/store/activity.js";
import type { Store } from "../../src/store/store.js";

/** Every invocation the store holds, paging through its listing. */
async function allInvocations(store: Store): Promise<Invocation[]> {
  const all: Invocation[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.work.listInvocations({ limit: 1000, ...(pageToken ? { pageToken } : {}) });
    all.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * The store's invariants after a fuzz run (issue 15 item 6), checked through the
 * Store API so that both stores are held to the same: its counters equal what its
 * lists hold (invocations not final, activity, queue depths), and every invocation
 * is in one queue or none (draining the queues yields each waiting invocation once,
 * and only those). Call it once no worker is connected: it claims the queued work.
 * Throws describing the first broken invariant.
 */
export async function checkStoreInvariants(store: Store, now = Date.now()): Promise<void> {
  const invocations = await allInvocations(store);
  const byId = new Map(invocations.map((invocation) => [invocation.id, invocation]));
  if (byId.size !== invocations.length) throw new Error("an invocation is listed twice");
  const statuses = countBy(invocations, (invocation) => invocation.status);
  const final = (statuses.get("SUCCESS") ?? 0) + (statuses.get("FAILED") ?? 0);
  const stats = await store.stats();
  if (stats.activeInvocations !== invocations.length - final)
    throw new Error(
      `activeInvocations is ${stats.activeInvocations}; ${invocations.length - final} are not final`,
    );
  const activity = await store.work.activity(now - ACTIVITY_KEPT_MS, now);
  const succeeded = activity.reduce((sum, bucket) => sum + bucket.succeeded, 0);
  const failed = activity.reduce((sum, bucket) => sum + bucket.failed, 0);
  if (succeeded !== (statuses.get("SUCCESS") ?? 0) || failed !== (statuses.get("FAILED") ?? 0))
    throw new Error(
      `activity counts ${succeeded} succeeded, ${failed} failed; the list holds ${[...statuses]}`,
    );
  await checkQueues(store, invocations, now);
}

/** Queue depths against the waiting invocations, then each queue drained: every waiting one exactly once. */
async function checkQueues(store: Store, invocations: readonly Invocation[], now: number): Promise<void> {
  const waiting = (status: string) => invocations.filter((invocation) => invocation.status === status);
  const registered = countBy(waiting("REGISTERED"), (invocation) => invocation.taskId);
  const retrying = countBy(waiting("RETRY"), (invocation) => invocation.taskId);
  const depths = await store.work.queueDepths();
  const tasks = new Set([...registered.keys(), ...retrying.keys(), ...depths.keys()]);
  for (const taskId of tasks) {
    const depth = depths.get(taskId) ?? 0;
    const least = registered.get(taskId) ?? 0;
    if (depth < least || depth > least + (retrying.get(taskId) ?? 0))
      throw new Error(
        `task ${taskId}: queue depth ${depth}, but ${least} REGISTERED and ${retrying.get(taskId) ?? 0} RETRY`,
      );
  }
  const checker = { workerId: `invariants-${now}`, sessionId: "check" };
  const far = now + 30 * 24 * 3600 * 1000;
  await store.work.connectWorker(checker, [], far, now);
  await store.work.announceDueRetries(far);
  const claimed = await store.work.claimWork(checker, [...tasks], 1_000_000, far);
  const ids = claimed.map((assignment) => assignment.invocationId);
  if (new Set(ids).size !== ids.length) throw new Error("an invocation was queued twice");
  const expected = [...waiting("REGISTERED"), ...waiting("RETRY")].map((invocation) => invocation.id).sort();
  if (JSON.stringify([...ids].sort()) !== JSON.stringify(expected))
    throw new Error(`the queues held ${ids.length} invocations; ${expected.length} were waiting`);
}
