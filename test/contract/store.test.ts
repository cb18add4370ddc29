import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/domain/evaluation.js";
import type { Assignment, InvocationStatus, NewInvocation } from "../../src/domain/invocation.js";
import type { JoinState, JoinStep } from "../../src/domain/join.js";
import type { CronOccurrence, Occurrence } from "../../src/domain/occurrence.js";
import { NO_RETRY } from "../../src/domain/task.js";
import type { CronCondition } from "../../src/domain/trigger.js";
import {
  FORGET_REPLICA_AFTER_MS,
  type StatusWatch,
  type Store,
  type StoreNotice,
  type WorkerRef,
} from "../../src/store/store.js";
import { events, trigger } from "../support/fixtures.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const _watchNone: StatusWatch = { watches: () => false };
const never = new AbortController().signal;

function newInvocation(id: string, taskId = "task", at = 1000): NewInvocation {
  return { id, taskId, appId: "app", arguments: { n: id }, createdAt: at };
}

async function drainOccurrences(store: Store): Promise<Occurrence[]> {
  const read = await store.log.readOccurrences("c1", 1000, 50, never);
  await store.log.settleOccurrences([], read);
  return read.map((item) => item.occurrence);
}

describe.each(STORE_KINDS)("Store contract: %s", (kind) => {
  let store: Store;

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
  });

  /** Connects a worker (a new stream of it) with a lease until `until`. */
  async function connect(workerId: string, sessionId = `${workerId}-s1`, until = 1e12): Promise<WorkerRef> {
    const worker = { workerId, sessionId };
    await store.work.connectWorker(worker, [], until, 0);
    return worker;
  }

  it("creates, dedupes by idempotency key, lists newest first with stable pages", async () => {
    for (const id of ["i1", "i2", "i3"]) await store.work.createInvocation(newInvocation(id));
    const first = await store.work.createInvocation(newInvocation("i4"), {
      idempotencyKey: "k",
    });
    const again = await store.work.createInvocation(newInvocation("i5"), {
      idempotencyKey: "k",
    });
    expect([first.created, again.created, again.invocation.id]).toEqual([true, false, "i4"]);
    expect(await store.work.getInvocation("i4")).toMatchObject({
      id: "i4",
      status: "REGISTERED",
      attempt: 1,
      arguments: { n: "i4" },
    });
    const page1 = await store.work.listInvocations({ taskId: "task", limit: 3 });
    expect(page1.items.map((i) => i.id)).toEqual(["i4", "i3", "i2"]);
    await store.work.createInvocation(newInvocation("i6"));
    const page2 = await store.work.listInvocations({
      taskId: "task",
      limit: 3,
      pageToken: page1.nextPageToken as string,
    });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: "i1" })] });
    expect((await store.work.listInvocations({ limit: 10, status: "REGISTERED" })).items).toHaveLength(5);
    expect(await store.work.getInvocation("nope")).toBeUndefined();
  });

  it("fires once per firing key and records the event provenance", async () => {
    await store.registry.createTrigger(trigger("trg_a"));
    await store.history.appendEvent({
      id: "ev1",
      code: "e",
      payload: {},
      emittedAt: 1000,
      invocationIds: [],
    });
    const provenance = {
      triggerId: "trg_a",
      occurrenceIds: ["ev1"],
      sourceInvocationIds: [],
      eventIds: ["ev1"],
    };
    const firing = {
      triggerId: "trg_a",
      invocation: { ...newInvocation("f1"), provenance },
      firingKey: "trg_a|ev1",
      eventIds: ["ev1"],
    };
    const once = await store.work.fire(firing);
    const twice = await store.work.fire({ ...firing, invocation: { ...firing.invocation, id: "f2" } });
    expect(once).toMatchObject({ outcome: "fired", invocation: { id: "f1", status: "REGISTERED" } });
    expect(twice).toEqual({ outcome: "deduplicated", invocationId: "f1", invocationKept: true });
    expect((await store.history.getEvent("ev1"))?.invocationIds).toEqual(["f1"]);
    expect(
      (await store.work.listInvocations({ triggerId: "trg_a", limit: 10 })).items.map((i) => i.id),
    ).toEqual(["f1"]);
    expect((await store.work.getInvocation("f1"))?.provenance).toEqual(provenance);
  });

  /** Runs `ids` to SUCCESS, so that retention (5 finished kept here) drops the oldest. */
  async function finishAll(ids: string[]): Promise<void> {
    const worker = await connect("w");
    for (const id of ids) {
      if (!(await store.work.getInvocation(id))) await store.work.createInvocation(newInvocation(id));
      const [assignment] = await store.work.claimWork(worker, ["task"], 1, 1);
      await store.work.finishAttempt(assignment!.assignmentId, worker, { status: "SUCCESS", result: id }, 2);
    }
  }

  it("a firing key outlives the invocation it created: a repeat after retention creates nothing", async () => {
    await store.registry.createTrigger(trigger("trg_r"));
    const firing = (id: string) => ({
      triggerId: "trg_r",
      invocation: newInvocation(id),
      firingKey: "trg_r|occ1",
      eventIds: [],
    });
    expect((await store.work.fire(firing("first"))).outcome).toBe("fired");
    await finishAll(["first", ...Array.from({ length: 9 }, (_, i) => `later${i}`)]);
    expect(await store.work.getInvocation("first")).toBeUndefined();
    const kept = (await store.work.listInvocations({ limit: 100 })).items.length;

    const repeat = await store.work.fire(firing("second"));
    expect(repeat).toEqual({ outcome: "deduplicated", invocationId: "first", invocationKept: false });
    expect(await store.work.getInvocation("second")).toBeUndefined();
    expect((await store.work.listInvocations({ limit: 100 })).items.length).toBe(kept);
    expect((await store.stats()).activeInvocations).toBe(0);
  });

  it("an idempotency key answers only while its invocation is kept", async () => {
    const invoke = (id: string) => store.work.createInvocation(newInvocation(id), { idempotencyKey: "once" });
    expect((await invoke("k1")).created).toBe(true);
    await finishAll(["k1", ...Array.from({ length: 9 }, (_, i) => `other${i}`)]);
    expect(await store.work.getInvocation("k1")).toBeUndefined();
    const again = await invoke("k2");
    expect([again.created, again.invocation.id]).toEqual([true, "k2"]);
    expect((await invoke("k3")).invocation.id).toBe("k2");
  });

  it("a firing for a trigger paused or deleted meanwhile creates nothing", async () => {
    await store.registry.createTrigger(trigger("trg_p"));
    const firing = (id: string, occurrence: string) => ({
      triggerId: "trg_p",
      invocation: newInvocation(id),
      firingKey: `trg_p|${occurrence}`,
      eventIds: [],
    });
    await store.registry.setTriggerPaused("trg_p", true);
    expect(await store.work.fire(firing("p1", "o1"), await connect("w"))).toEqual({
      outcome: "skipped",
      reason: "trigger paused",
    });
    await store.registry.setTriggerPaused("trg_p", false);
    expect((await store.work.fire(firing("p2", "o1"))).outcome).toBe("fired");
    await store.registry.deleteTrigger("trg_p");
    expect(await store.work.fire(firing("p3", "o2"))).toEqual({
      outcome: "skipped",
      reason: "trigger deleted",
    });
    expect((await store.work.listInvocations({ limit: 10 })).items.map((i) => i.id)).toEqual(["p2"]);
    expect(await store.work.getAssignment("p1/2/task", "w")).toBeUndefined();
  });

  it("assigns work oldest first, runs the lifecycle, and refuses stale assignments", async () => {
    for (const id of ["a", "b", "c"]) await store.work.createInvocation(newInvocation(id));
    const w1 = await connect("w1");
    const claimed = await store.work.claimWork(w1, ["task"], 2, 2000);
    expect(claimed.map((a) => [a.invocationId, a.taskId, a.attempt, a.arguments])).toEqual([
      ["a", "task", 1, { n: "a" }],
      ["b", "task", 1, { n: "b" }],
    ]);
    const [a, b] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
    // What a task's timeout and the start lease count from: the delivery, and whether it started.
    expect(await store.work.getAssignment(a.assignmentId, "w1")).toEqual({
      ...a,
      assignedAt: 2000,
      started: false,
    });
    expect((await store.work.getInvocation("a"))?.assignment?.assignedAt).toBe(2000);
    expect(await store.work.markStarted(a.assignmentId, "w1", 2001)).toBe(true);
    expect((await store.work.getInvocation("a"))?.status).toBe("RUNNING");
    expect(await store.work.getAssignment(a.assignmentId, "w1")).toEqual({
      ...a,
      assignedAt: 2000,
      started: true,
    });
    const finished = await store.work.finishAttempt(
      a.assignmentId,
      w1,
      { status: "SUCCESS", result: { ok: 1 } },
      2002,
    );
    expect(finished).toEqual({ applied: true, claimed: [] });
    const done = await store.work.getInvocation("a");
    expect(done).toMatchObject({ id: "a", status: "SUCCESS", result: { ok: 1 } });
    expect(done?.assignment).toBeUndefined();
    const stale = await store.work.finishAttempt(a.assignmentId, w1, { status: "SUCCESS", result: 2 }, 2003);
    expect(stale.applied).toBe(false);
    expect(await store.work.markStarted(a.assignmentId, "w1", 2003)).toBe(false);

    const released = await store.work.releaseWorker(w1, 2004);
    expect(released.map((i) => [i.id, i.status])).toEqual([["b", "REGISTERED"]]);
    expect(
      (await store.work.finishAttempt(b.assignmentId, w1, { status: "SUCCESS", result: 1 }, 2005)).applied,
    ).toBe(false);
    // The stream ended: that connection gets no more work.
    expect(await store.work.claimWork(w1, ["task"], 5, 2006)).toEqual([]);
    const next = await store.work.claimWork(await connect("w2"), ["task"], 5, 2006);
    expect(next.map((x) => x.invocationId).sort()).toEqual(["b", "c"]);
    expect((await store.stats()).activeInvocations).toBe(2);
  });

  it("refills a worker's credit in the step that ends its attempt", async () => {
    for (const id of ["p", "q", "r"]) await store.work.createInvocation(newInvocation(id));
    const w = await connect("w");
    const [first] = await store.work.claimWork(w, ["task"], 1, 10);
    const refill = { taskIds: ["task"], max: 2 };
    const result = await store.work.finishAttempt(
      first!.assignmentId,
      w,
      { status: "SUCCESS", result: 1 },
      11,
      { refill },
    );
    expect(result.applied).toBe(true);
    expect(result.claimed.map((assignment) => assignment.invocationId)).toEqual(["q", "r"]);
    expect((await store.work.getInvocation("q"))?.assignment?.workerId).toBe("w");
    const stale = await store.work.finishAttempt(
      first!.assignmentId,
      w,
      { status: "SUCCESS", result: 1 },
      12,
      { refill },
    );
    expect(stale).toEqual({ applied: false, claimed: [] });
  });

  it("releases the work of workers whose lease ended, and only theirs", async () => {
    await store.work.createInvocation(newInvocation("x"));
    await store.work.createInvocation(newInvocation("y"));
    const dead = await connect("dead", "dead-s1", 1000);
    const alive = await connect("alive", "alive-s1", 1000);
    expect(await store.work.renewWorkerLease(alive, 9000)).toBe(true);
    await store.work.claimWork(dead, ["task"], 1, 500);
    await store.work.claimWork(alive, ["task"], 1, 500);
    const released = await store.work.releaseExpiredWorkers(5000);
    expect(released.map((i) => i.id)).toEqual(["x"]);
    expect((await store.work.getInvocation("y"))?.status).toBe("PENDING");
    // Its connection was forgotten with the lease: no work until it renews (it is current again then).
    await store.work.createInvocation(newInvocation("z"));
    expect(await store.work.claimWork(dead, ["task"], 5, 5001)).toEqual([]);
    expect(await store.work.renewWorkerLease(dead, 20_000)).toBe(true);
    expect((await store.work.claimWork(dead, ["task"], 5, 5002)).map((a) => a.invocationId)).toEqual([
      "x",
      "z",
    ]);
  });

  it("counts each loss of an invocation once, whichever way its worker lost it, and hands the count out with it", async () => {
    await store.work.createInvocation(newInvocation("lost"));
    const claimOne = async (worker: WorkerRef, at: number) => {
      const [assignment] = await store.work.claimWork(worker, ["task"], 1, at);
      return assignment as Assignment;
    };
    // Never lost: no count.
    const w1 = await connect("w", "w-s1");
    const first = await claimOne(w1, 10);
    expect(first.lost).toBeUndefined();
    // The stream ends; its cleanup runs twice (a re-run) and counts once.
    await store.work.releaseWorker(w1, 11);
    await store.work.releaseWorker(w1, 11);
    const w2 = await connect("w", "w-s2");
    const second = await claimOne(w2, 12);
    expect([second.invocationId, second.lost]).toEqual(["lost", 1]);
    // Taken back by id (not started within a lease), then the lease runs out.
    expect((await store.work.releaseWorker(w2, 13, [second.assignmentId])).map((i) => i.id)).toEqual([
      "lost",
    ]);
    expect((await claimOne(w2, 14)).lost).toBe(2);
    await store.work.connectWorker({ workerId: "w", sessionId: "w-s3" }, [], 1000, 15);
    const third = await claimOne({ workerId: "w", sessionId: "w-s3" }, 16);
    expect(third.lost).toBe(3);
    expect((await store.work.releaseExpiredWorkers(2000)).map((i) => i.id)).toEqual(["lost"]);
    const w4 = await connect("w", "w-s4");
    expect((await claimOne(w4, 2001)).lost).toBe(4);
    // Its status history and attempt are untouched by the count.
    expect(await store.work.getInvocation("lost")).toMatchObject({ status: "PENDING", attempt: 1 });
  });

  it("applies starts, results and failures only from the worker holding the assignment", async () => {
    await store.work.createInvocation(newInvocation("held"));
    const owner = await connect("owner");
    const other = await connect("other");
    const [assignment] = await store.work.claimWork(owner, ["task"], 1, 10);
    const id = assignment!.assignmentId;
    const error = { type: "Forged", message: "forged", chain: ["Forged"], stack: "" };
    const refused = { applied: false, claimed: [] };
    expect(await store.work.getAssignment(id, "other")).toBeUndefined();
    expect(await store.work.markStarted(id, "other", 11)).toBe(false);
    const forged = { status: "SUCCESS", result: "forged" } as const;
    expect(await store.work.finishAttempt(id, other, forged, 12, { startedAt: 11 })).toEqual(refused);
    expect(await store.work.finishAttempt(id, other, { status: "FAILED", error }, 12)).toEqual(refused);
    const retry = { status: "RETRY", error, retryAt: 99 } as const;
    expect(await store.work.finishAttempt(id, other, retry, 12)).toEqual(refused);
    expect(await store.work.releaseWorker(other, 13, [id])).toEqual([]);
    const untouched = await store.work.getInvocation("held");
    expect(untouched).toMatchObject({
      status: "PENDING",
      version: 2,
      attempt: 1,
      assignment: { assignmentId: id, workerId: "owner" },
    });
    expect([untouched?.result, untouched?.error, untouched?.retryAt]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);

    // The holder reports on a new connection (it reconnected): still the holder.
    const reconnected = { workerId: "owner", sessionId: "owner-s2" };
    expect(await store.work.connectWorker(reconnected, [id], 1e12, 14)).toEqual([]);
    expect(await store.work.getAssignment(id, "owner")).toEqual({
      ...assignment,
      assignedAt: 10,
      started: false,
    });
    expect(await store.work.markStarted(id, "owner", 15)).toBe(true);
    const real = { status: "SUCCESS", result: "real" } as const;
    expect(await store.work.finishAttempt(id, reconnected, real, 16)).toEqual({
      applied: true,
      claimed: [],
    });
    expect(await store.work.getInvocation("held")).toMatchObject({
      status: "SUCCESS",
      result: "real",
      version: 4,
    });
  });

  it("hands a worker's work to its newest connection; an older one's cleanup releases nothing", async () => {
    for (const id of ["a", "b", "c"]) await store.work.createInvocation(newInvocation(id));
    const first = await connect("w", "s1");
    const [a, b] = (await store.work.claimWork(first, ["task"], 2, 10)) as [Assignment, Assignment];
    expect([a.invocationId, b.invocationId]).toEqual(["a", "b"]);
    // The worker reconnects still running a; b was sent to the old stream and never arrived.
    const second = { workerId: "w", sessionId: "s2" };
    const requeued = await store.work.connectWorker(second, [a.assignmentId], 1e12, 11);
    expect(requeued.map((i) => [i.id, i.status])).toEqual([["b", "REGISTERED"]]);

    // The old stream's end, noticed late (on another replica, say), changes nothing,
    // and that stream gets no more work, straight or at creation.
    expect(await store.work.claimWork(first, ["task"], 5, 12)).toEqual([]);
    expect(await store.work.renewWorkerLease(first, 5e12)).toBe(false);
    expect(await store.work.releaseWorker(first, 13)).toEqual([]);
    expect(await store.work.releaseWorker(first, 13, [b.assignmentId])).toEqual([]);
    const queued = await store.work.createInvocation(newInvocation("d"), { assignTo: first });
    expect([queued.assignment, queued.invocation.status]).toEqual([undefined, "REGISTERED"]);
    expect(await store.work.getInvocation("a")).toMatchObject({
      status: "PENDING",
      assignment: { assignmentId: a.assignmentId, workerId: "w" },
    });

    // The new stream gets the work and can report what it took over.
    const claimed = await store.work.claimWork(second, ["task"], 5, 14);
    expect(claimed.map((x) => x.invocationId).sort()).toEqual(["b", "c", "d"]);
    const direct = await store.work.createInvocation(newInvocation("e"), { assignTo: second });
    expect(direct.assignment?.invocationId).toBe("e");
    const done = await store.work.finishAttempt(a.assignmentId, second, { status: "SUCCESS", result: 1 }, 15);
    expect(done.applied).toBe(true);
    expect(await store.work.renewWorkerLease(second, 2e12)).toBe(true);
    // Its lease is intact: when it ends, every assignment the worker holds goes back.
    expect(await store.work.releaseExpiredWorkers(2e12 - 1)).toEqual([]);
    const expired = await store.work.releaseExpiredWorkers(2e12 + 1);
    expect(expired.map((i) => i.id).sort()).toEqual(["b", "c", "d", "e"]);
  });

  it("retries after the backoff with the next attempt number", async () => {
    await store.work.createInvocation(newInvocation("r"));
    const w = await connect("w");
    const [first] = await store.work.claimWork(w, ["task"], 1, 100);
    const error = { type: "E", message: "m", chain: ["E"], stack: "" };
    await store.work.finishAttempt(first!.assignmentId, w, { status: "RETRY", error, retryAt: 600 }, 200);
    expect(await store.work.getInvocation("r")).toMatchObject({ status: "RETRY", retryAt: 600, error });
    await store.work.announceDueRetries(500);
    expect(await store.work.claimWork(w, ["task"], 1, 500)).toEqual([]);
    await store.work.announceDueRetries(600);
    const [second] = await store.work.claimWork(w, ["task"], 1, 600);
    expect(second?.attempt).toBe(2);
  });

  it("logs watched transitions once, with their data, and hands each occurrence out once", async () => {
    const watch: StatusWatch = {
      watches: (_task, status) => status === "SUCCESS" || status === "REGISTERED",
    };
    store.watchStatuses(watch);
    await store.work.createInvocation(newInvocation("o"));
    const w = await connect("w");
    const [assignment] = await store.work.claimWork(w, ["task"], 1, 1);
    await store.work.markStarted(assignment!.assignmentId, "w", 2);
    await store.work.finishAttempt(assignment!.assignmentId, w, { status: "SUCCESS", result: [1, "two"] }, 3);
    const read = await store.log.readOccurrences("c1", 100, 50, never);
    expect(read.map((item) => item.occurrence)).toEqual([
      {
        kind: "status",
        id: "o@1",
        at: 1000,
        invocationId: "o",
        taskId: "task",
        status: "REGISTERED",
        arguments: { n: "o" },
        attempt: 1,
      },
      {
        kind: "status",
        id: "o@4",
        at: 3,
        invocationId: "o",
        taskId: "task",
        status: "SUCCESS",
        arguments: { n: "o" },
        attempt: 1,
        result: [1, "two"],
      },
    ]);
    expect(await store.log.readOccurrences("c2", 100, 20, never)).toEqual([]);
    await store.log.settleOccurrences([], read);
    expect((await store.stats()).occurrenceBacklog).toBe(0);
  });

  it("hands an occurrence back after a failed evaluation: out again after the redelivery delay, its delivery counted", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 400 });
    try {
      await reclaiming.log.appendOccurrences([{ kind: "event", id: "ev_r", at: 1, code: "e", payload: {} }]);
      const first = await reclaiming.log.readOccurrences("r1", 10, 50, never);
      expect(first.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 1]]);
      const handedBackAt = Date.now();
      await reclaiming.log.retryOccurrences(first);
      const again = async () => {
        const read = await reclaiming.log.readOccurrences("r2", 10, 20, never);
        return read.length > 0 && read;
      };
      const second = await waitFor(again, "the second delivery");
      expect(Date.now() - handedBackAt).toBeGreaterThanOrEqual(400);
      expect(second.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 2]]);
      await reclaiming.log.retryOccurrences(second);
      const third = await waitFor(again, "the third delivery");
      expect(third.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_r", 3]]);
      await reclaiming.log.settleOccurrences([], third);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
    } finally {
      await reclaiming.close();
    }
  });

  it("hands a deferred evaluation back after a failed evaluation: out again after the redelivery delay", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 400 });
    try {
      const occurrence: Occurrence = { kind: "event", id: "ev_d", at: 1, code: "c", payload: {} };
      await reclaiming.deferred.deferEvaluation("app-a", "trg_1", occurrence);
      const first = await reclaiming.deferred.readDeferred(["app-a"], "r1", 10, 50, never);
      expect(first.map((item) => item.deliveries)).toEqual([1]);
      expect(await reclaiming.deferred.readDeferred(["app-a"], "r2", 10, 20, never)).toEqual([]);
      await reclaiming.deferred.retryDeferred(first);
      const second = await waitFor(async () => {
        const read = await reclaiming.deferred.readDeferred(["app-a"], "r2", 10, 20, never);
        return read.length > 0 && read;
      }, "the second delivery");
      expect(second.map((item) => [item.triggerId, item.occurrence, item.deliveries])).toEqual([
        ["trg_1", occurrence, 2],
      ]);
      await reclaiming.deferred.settleDeferred(second[0]!, []);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
    } finally {
      await reclaiming.close();
    }
  });

  it("an item stays with its replica until settled, however slow its evaluation: never handed out twice meanwhile", async () => {
    const reclaiming = await createStore(kind, { reclaimAfterMs: 300 });
    try {
      const occurrence: Occurrence = { kind: "event", id: "ev_k", at: 1, code: "e", payload: {} };
      await reclaiming.log.appendOccurrences([occurrence]);
      await reclaiming.deferred.deferEvaluation("app-k", "trg_k", occurrence);
      const held = await reclaiming.log.readOccurrences("r1", 10, 50, never);
      const heldDeferred = await reclaiming.deferred.readDeferred(["app-k"], "r1", 10, 50, never);
      const since = Date.now();
      // More than three redelivery delays: r2 never gets them.
      while (Date.now() - since < 1000) {
        expect(await reclaiming.log.readOccurrences("r2", 10, 0, never)).toEqual([]);
        expect(await reclaiming.deferred.readDeferred(["app-k"], "r2", 10, 0, never)).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await reclaiming.log.settleOccurrences([], held);
      await reclaiming.deferred.settleDeferred(heldDeferred[0]!, []);
      expect((await reclaiming.stats()).occurrenceBacklog).toBe(0);
      expect(await reclaiming.log.readOccurrences("r2", 10, 0, never)).toEqual([]);
    } finally {
      await reclaiming.close();
    }
  });

  it("a retired replica's items are handed out again at once, each delivery counted", async () => {
    const occurrence: Occurrence = { kind: "event", id: "ev_x", at: 1, code: "e", payload: {} };
    await store.log.appendOccurrences([occurrence]);
    await store.deferred.deferEvaluation("app-x", "trg_x", occurrence);
    await store.replicas.announceReplica({ replicaId: "r1", seenAt: 10, cronClaimedThrough: 0 }, 0);
    expect(await store.log.readOccurrences("r1", 10, 50, never)).toHaveLength(1);
    expect(await store.deferred.readDeferred(["app-x"], "r1", 10, 50, never)).toHaveLength(1);
    await store.replicas.retireReplica("r1");
    // The store's redelivery delay is 30 s here: "at once" is well within the wait.
    const again = await waitFor(async () => {
      const read = await store.log.readOccurrences("r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the occurrence handed out again");
    const deferredAgain = await waitFor(async () => {
      const read = await store.deferred.readDeferred(["app-x"], "r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the deferred evaluation handed out again");
    expect(again.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_x", 2]]);
    expect(deferredAgain.map((item) => [item.triggerId, item.deliveries])).toEqual([["trg_x", 2]]);
  });

  it("a replica forgotten (not seen for a minute) has its items handed out again", async () => {
    await store.log.appendOccurrences(events(1));
    await store.replicas.announceReplica({ replicaId: "r1", seenAt: 10, cronClaimedThrough: 0 }, 0);
    const [held] = await store.log.readOccurrences("r1", 1, 20, never);
    await store.replicas.announceReplica(
      { replicaId: "r2", seenAt: 10 + FORGET_REPLICA_AFTER_MS + 2000, cronClaimedThrough: 0 },
      10 + FORGET_REPLICA_AFTER_MS + 1000,
    );
    const again = await waitFor(async () => {
      const read = await store.log.readOccurrences("r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the held occurrence, handed out again");
    expect(again.map((item) => [item.occurrence.id, item.deliveries])).toEqual([[held!.occurrence.id, 2]]);
  });

  it("records a start not yet written in the step that ends the attempt, before the end", async () => {
    store.watchStatuses({ watches: (_task, status) => status === "RUNNING" || status === "SUCCESS" });
    await store.work.createInvocation(newInvocation("quick"));
    const w = await connect("w");
    const [quick] = await store.work.claimWork(w, ["task"], 1, 1);
    await store.work.finishAttempt(quick!.assignmentId, w, { status: "SUCCESS", result: 7 }, 3, {
      startedAt: 2,
    });
    // Already RUNNING: the start is not recorded twice.
    await store.work.createInvocation(newInvocation("slow"));
    const [slow] = await store.work.claimWork(w, ["task"], 1, 4);
    await store.work.markStarted(slow!.assignmentId, "w", 5);
    await store.work.finishAttempt(slow!.assignmentId, w, { status: "SUCCESS", result: 8 }, 7, {
      startedAt: 6,
    });
    const statuses = (await drainOccurrences(store)).map(
      (o) => `${o.id} ${"status" in o ? o.status : ""} ${o.at}`,
    );
    expect(statuses).toEqual([
      "quick@3 RUNNING 2",
      "quick@4 SUCCESS 3",
      "slow@3 RUNNING 5",
      "slow@4 SUCCESS 7",
    ]);
    expect((await store.work.getInvocation("quick"))?.status).toBe("SUCCESS");
  });

  it("stores events durably, dedupes by key, lists by code and time, and keeps only the newest", async () => {
    const emit = (id: string, code: string, at: number, key?: string) =>
      store.history.appendEvent({
        id,
        code,
        payload: { id },
        emittedAt: at,
        ...(key ? { idempotencyKey: key } : {}),
        invocationIds: [],
      });
    expect((await emit("e1", "a", 1000, "k1")).duplicate).toBe(false);
    expect(await emit("e2", "a", 1000, "k1")).toMatchObject({ duplicate: true, event: { id: "e1" } });
    await emit("e3", "b", 1001);
    await emit("e4", "a", 1002);
    await emit("e5", "a", 1003);
    expect((await drainOccurrences(store)).map((o) => o.id)).toEqual(["e1", "e3", "e4", "e5"]);
    const page = await store.history.listEvents({ code: "a", limit: 2 });
    expect(page.items.map((e) => e.id)).toEqual(["e1", "e4"]);
    const rest = await store.history.listEvents({
      code: "a",
      limit: 2,
      pageToken: page.nextPageToken as string,
    });
    expect(rest).toEqual({ items: [expect.objectContaining({ id: "e5", payload: { id: "e5" } })] });
    expect(
      (await store.history.listEvents({ since: 1001, until: 1003, limit: 10 })).items.map((e) => e.id),
    ).toEqual(["e3", "e4"]);
    await emit("e6", "a", 1004);
    expect((await store.history.listEvents({ limit: 10 })).items.map((e) => e.id)).toEqual([
      "e3",
      "e4",
      "e5",
      "e6",
    ]);
    expect(await store.history.getEvent("e1")).toBeUndefined();
  });

  it("a repeated idempotency key answers the first event whole, whatever code and payload the repeat carried", async () => {
    const first = { id: "e1", code: "order.paid", payload: { n: 1 }, emittedAt: 1000, idempotencyKey: "k1" };
    expect(await store.history.appendEvent({ ...first, invocationIds: [] })).toEqual({
      duplicate: false,
      event: { ...first, invocationIds: [] },
    });
    const repeat = await store.history.appendEvent({
      id: "e2",
      code: "order.shipped",
      payload: { n: 2 },
      emittedAt: 1001,
      idempotencyKey: "k1",
      invocationIds: [],
    });
    // The engine compares what it sent with what was stored first (and refuses a difference).
    expect(repeat).toEqual({ duplicate: true, event: { ...first, invocationIds: [] } });
    expect((await drainOccurrences(store)).map((o) => o.id)).toEqual(["e1"]);
    expect((await store.history.listEvents({ limit: 10 })).items.map((e) => [e.id, e.code])).toEqual([
      ["e1", "order.paid"],
    ]);
  });

  /** A join step that adds one waiting entry (source `key`, first seen at `firstAt`). */
  const addEntry =
    (key: string, firstAt: number): ((state: JoinState) => JoinStep) =>
    (state) => ({
      state: { entries: [...state.entries, { group: 0, key, firstAt, satisfied: {} }] },
      outcome: { kind: "waiting", missing: [1] },
      expired: [{ key: "gone", occurrenceIds: ["x"], reason: "window" }],
    });
  const entriesOf = async (triggerId: string) =>
    (await store.triggerState.listJoinStates(triggerId))
      .map((s) => `${s.partition}:${s.state.entries.map((entry) => entry.key).join(",")}`)
      .sort();

  it("joins: applies each occurrence once; the marker keeps the outcome, not the state", async () => {
    await store.registry.createTrigger(trigger("trg_j"));
    const first = await store.triggerState.updateJoin("trg_j", "p1", "occ1", addEntry("k1", 1), 100);
    expect(first).toEqual({
      kind: "applied",
      outcome: { kind: "waiting", missing: [1] },
      expired: [{ key: "gone", occurrenceIds: ["x"], reason: "window" }],
    });
    const replay = await store.triggerState.updateJoin(
      "trg_j",
      "p1",
      "occ1",
      () => {
        throw new Error("must not run twice");
      },
      100,
    );
    expect(replay).toEqual({ ...first, kind: "replayed" });
    await store.triggerState.updateJoin("trg_j", "p1", "occ2", addEntry("k2", 2), 100);
    expect(await entriesOf("trg_j")).toEqual(["p1:k1,k2"]);
    await store.registry.deleteTrigger("trg_j");
    expect(await store.triggerState.listJoinStates("trg_j")).toEqual([]);
  });

  it("joins: the cap holds over all partitions of a trigger, the oldest entries going first", async () => {
    await store.registry.createTrigger(trigger("trg_cap"));
    const add = (partition: string, key: string, firstAt: number) =>
      store.triggerState.updateJoin("trg_cap", partition, `occ-${key}`, addEntry(key, firstAt), 3);
    await add("p1", "a", 10);
    await add("p2", "b", 20);
    await add("p1", "c", 30);
    const full = await add("p3", "d", 40);
    expect(full.kind === "applied" && full.expired.filter((match) => match.reason === "cap")).toEqual([
      { key: "a", occurrenceIds: [], reason: "cap" },
    ]);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p2:b", "p3:d"]);
    const again = await add("p3", "e", 50);
    expect(again.kind === "applied" && again.expired.filter((match) => match.reason === "cap")).toEqual([
      { key: "b", occurrenceIds: [], reason: "cap" },
    ]);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p3:d,e"]);
    // A step that empties a partition frees its room.
    await store.triggerState.updateJoin(
      "trg_cap",
      "p3",
      "occ-clear",
      () => ({
        state: { entries: [] },
        outcome: { kind: "waiting", missing: [0] },
        expired: [],
      }),
      3,
    );
    await add("p4", "f", 60);
    await add("p4", "g", 70);
    expect(await entriesOf("trg_cap")).toEqual(["p1:c", "p4:f,g"]);
  });

  it("joins: nothing is applied for a trigger paused or deleted meanwhile", async () => {
    await store.registry.createTrigger(trigger("trg_jp"));
    await store.registry.setTriggerPaused("trg_jp", true);
    expect(await store.triggerState.updateJoin("trg_jp", "", "occ1", addEntry("k1", 1), 10)).toEqual({
      kind: "skipped",
      reason: "trigger paused",
    });
    expect(await store.triggerState.listJoinStates("trg_jp")).toEqual([]);
    await store.registry.setTriggerPaused("trg_jp", false);
    // Not applied while paused, so not a replay now.
    expect((await store.triggerState.updateJoin("trg_jp", "", "occ1", addEntry("k1", 1), 10)).kind).toBe(
      "applied",
    );
    expect(await entriesOf("trg_jp")).toEqual([":k1"]);
    await store.registry.deleteTrigger("trg_jp");
    expect(await store.triggerState.updateJoin("trg_jp", "", "occ2", addEntry("k2", 2), 10)).toEqual({
      kind: "skipped",
      reason: "trigger deleted",
    });
    expect(await store.triggerState.listJoinStates("trg_jp")).toEqual([]);
  });

  it("cron: a slot claim succeeds once and logs its occurrences; a stale claim fails", async () => {
    await store.registry.createTrigger(trigger("trg_c"));
    const occurrence: CronOccurrence = {
      kind: "cron",
      id: "cron:trg_c:0:60000",
      at: 60001,
      triggerId: "trg_c",
      conditionIndex: 0,
      scheduledTime: 60000,
    };
    const claim = {
      triggerId: "trg_c",
      conditionIndex: 0,
      expected: undefined,
      next: 60000,
      occurrences: [occurrence],
    };
    expect(await store.triggerState.advanceCron([claim, claim])).toEqual([true, false]);
    expect(await store.triggerState.getCronSlots(["trg_c:0", "trg_c:1"])).toEqual(
      new Map([["trg_c:0", 60000]]),
    );
    expect(
      await store.triggerState.advanceCron([{ ...claim, expected: 60000, next: 120000, occurrences: [] }]),
    ).toEqual([true]);
    expect(await store.triggerState.advanceCron([{ ...claim, triggerId: "trg_gone" }])).toEqual([false]);
    expect(await drainOccurrences(store)).toEqual([occurrence]);
  });

  it("cron: deleting a trigger clears the slots of all its conditions, however many", async () => {
    // 40 cron conditions: more than the engine accepts (32), so the store relies on no such bound.
    const conditions = Array.from(
      { length: 40 },
      (): CronCondition => ({
        kind: "cron",
        expression: "* * * * *",
        timezone: "UTC",
        misfire: "skip",
        catchUpWindowMs: 0,
      }),
    );
    const many = trigger("trg_many", { conditions, logic: "or" });
    const claims = (expected: number | undefined, next: number) =>
      [0, 31, 32, 39].map((conditionIndex) => ({
        triggerId: "trg_many",
        conditionIndex,
        expected,
        next,
        occurrences: [],
      }));
    const keys = ["trg_many:0", "trg_many:31", "trg_many:32", "trg_many:39"];
    await store.registry.createTrigger(many);
    expect(await store.triggerState.advanceCron(claims(undefined, 60000))).toEqual([true, true, true, true]);
    expect((await store.triggerState.getCronSlots(keys)).size).toBe(4);
    expect(await store.registry.deleteTrigger("trg_many")).toBe(true);
    expect(await store.triggerState.getCronSlots(keys)).toEqual(new Map());
    // The same trigger created again starts from no slot: a claim expecting none wins.
    await store.registry.createTrigger(many);
    expect(await store.triggerState.advanceCron(claims(undefined, 120000))).toEqual([true, true, true, true]);
  });

  it("replicas: an announcement answers the live replicas, itself included, and the registry version", async () => {
    const a = { replicaId: "replica:a", seenAt: 100_000, cronClaimedThrough: 99_000 };
    const b = { replicaId: "replica:b", seenAt: 100_500, cronClaimedThrough: 0 };
    const version = await store.registry.registryVersion();
    expect(await store.replicas.announceReplica(a, 99_000)).toEqual({
      replicas: [a],
      registryVersion: version,
      dataSet: "",
      awaitingApps: 0,
      activeInvocations: 0,
    });
    await store.registry.createTrigger(trigger("trg_r"));
    expect(await store.replicas.announceReplica(b, 99_500)).toEqual({
      replicas: [a, b],
      registryVersion: version + 1,
      dataSet: "",
      awaitingApps: 0,
      activeInvocations: 0,
    });
    // An older announcement (a call re-sent after a lost reply) moves nothing back.
    const resent = await store.replicas.announceReplica(
      { ...a, seenAt: 99_900, cronClaimedThrough: 1 },
      99_000,
    );
    expect(resent.replicas).toEqual([a, b]);
    // Not seen since `liveSince`: not listed, but kept for a reader that counts it live still.
    const b2 = { ...b, seenAt: 101_000, cronClaimedThrough: 100_900 };
    expect((await store.replicas.announceReplica(b2, 100_200)).replicas).toEqual([b2]);
    expect((await store.replicas.announceReplica(b2, 99_000)).replicas).toEqual([a, b2]);
  });

  it("data set: its identity is created once and kept; awaited apps end as each registers, or when the wait ends", async () => {
    const a = { replicaId: "replica:a", seenAt: 100_000, cronClaimedThrough: 0 };
    const identity = await store.registry.openDataSet([], 0);
    expect(identity).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.registry.openDataSet([], 0)).toBe(identity);
    expect(await store.replicas.announceReplica(a, 0)).toMatchObject({
      dataSet: identity,
      awaitingApps: 0,
      activeInvocations: 0,
    });
    // The check-in also counts what a loss would take: unfinished invocations.
    await store.work.createInvocation(newInvocation("inv-ds"));
    expect((await store.replicas.announceReplica(a, 0)).activeInvocations).toBe(1);
    // After a loss: the apps asked to register again are awaited until each registers.
    expect(await store.registry.openDataSet(["shop", "mail"], 60_000)).toBe(identity);
    expect((await store.replicas.announceReplica(a, 0)).awaitingApps).toBe(2);
    await store.registry.registerApp({
      appId: "shop",
      tasks: [{ id: "t_shop", appId: "shop", retry: NO_RETRY }],
      triggers: [],
    });
    expect((await store.replicas.announceReplica(a, 0)).awaitingApps).toBe(1);
    await store.registry.registerApp({ appId: "mail", tasks: [], triggers: [] });
    expect((await store.replicas.announceReplica(a, 0)).awaitingApps).toBe(0);
    // An app that never registers is awaited no longer than asked.
    await store.registry.openDataSet(["gone"], 50);
    expect((await store.replicas.announceReplica(a, 0)).awaitingApps).toBe(1);
    await waitFor(
      async () => (await store.replicas.announceReplica(a, 0)).awaitingApps === 0,
      "the wait for an app to end",
      5_000,
    );
    expect(await store.registry.openDataSet([], 0)).toBe(identity);
  });

  it("replicas: one not seen for a minute before `liveSince` is forgotten; a retired one at once", async () => {
    const a = { replicaId: "replica-a", seenAt: 100_000, cronClaimedThrough: 0 };
    const b = { replicaId: "replica-b", seenAt: 100_000, cronClaimedThrough: 0 };
    await store.replicas.announceReplica(a, 0);
    await store.replicas.announceReplica(b, 0);
    // replica-a was seen exactly FORGET_REPLICA_AFTER_MS before this `liveSince`: still kept.
    const later = { ...b, seenAt: 200_000 };
    await store.replicas.announceReplica(later, 100_000 + FORGET_REPLICA_AFTER_MS);
    expect((await store.replicas.announceReplica(later, 0)).replicas).toEqual([a, later]);
    await store.replicas.announceReplica(later, 100_001 + FORGET_REPLICA_AFTER_MS);
    expect((await store.replicas.announceReplica(later, 0)).replicas).toEqual([later]);
    await store.replicas.retireReplica("replica-b");
    await store.replicas.retireReplica("replica-unknown");
    const c = { replicaId: "replica-c", seenAt: 200_000, cronClaimedThrough: 0 };
    expect((await store.replicas.announceReplica(c, 0)).replicas).toEqual([c]);
  });

  it("registration replaces declared triggers and keeps runtime ones; pause; bounded history", async () => {
    const declared = trigger("trg_d1", { origin: "declared" });
    await store.registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [declared, trigger("trg_d2", { origin: "declared" })],
    });
    await store.registry.createTrigger(trigger("trg_rt"));
    expect((await store.registry.createTrigger(trigger("trg_rt", { createdAt: 99 }))).created).toBe(false);
    const { removedTriggerIds } = await store.registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [declared],
    });
    expect(removedTriggerIds).toEqual(["trg_d2"]);
    expect((await store.registry.listTriggers()).map((t) => t.id).sort()).toEqual(["trg_d1", "trg_rt"]);
    expect((await store.registry.setTriggerPaused("trg_rt", true))?.paused).toBe(true);
    expect((await store.registry.getTrigger("trg_rt"))?.paused).toBe(true);
    expect(await store.registry.setTriggerPaused("nope", true)).toBeUndefined();
    const evaluation = (n: number): Evaluation => ({
      triggerId: "trg_rt",
      at: n,
      occurrenceId: `o${n}`,
      outcome: "fired",
      detail: "",
    });
    await store.history.recordEvaluations([1, 2, 3, 4].map(evaluation));
    expect((await store.history.listEvaluations("trg_rt", 10)).map((e) => e.at)).toEqual([4, 3, 2]);
    expect(await store.registry.deleteTrigger("trg_rt")).toBe(true);
    expect(await store.registry.deleteTrigger("trg_rt")).toBe(false);
    await store.history.recordEvaluations([evaluation(5)]);
    expect(await store.history.listEvaluations("trg_rt", 10)).toEqual([]);
  });

  it("settles evaluated occurrences in one step: records kept, occurrences acknowledged", async () => {
    await store.registry.createTrigger(trigger("trg_s"));
    await store.log.appendOccurrences(
      [1, 2, 3].map((n): Occurrence => ({ kind: "event", id: `ev${n}`, at: n, code: "e", payload: {} })),
    );
    const read = await store.log.readOccurrences("c1", 10, 50, never);
    expect(read).toHaveLength(3);
    const record = (occurrenceId: string, triggerId = "trg_s"): Evaluation => ({
      triggerId,
      at: 7,
      occurrenceId,
      outcome: "filtered_out",
      detail: "",
    });
    await store.log.settleOccurrences(
      [record("ev1"), record("ev2"), record("ev2", "trg_gone")],
      read.slice(0, 2),
    );
    expect((await store.history.listEvaluations("trg_s", 10)).map((e) => e.occurrenceId)).toEqual([
      "ev2",
      "ev1",
    ]);
    expect(await store.history.listEvaluations("trg_gone", 10)).toEqual([]);
    expect((await store.stats()).occurrenceBacklog).toBe(1);
    await store.log.settleOccurrences([], [read[2]!]);
    expect((await store.stats()).occurrenceBacklog).toBe(0);
  });

  it("keeps a bounded number of finished invocations", async () => {
    const w = await connect("w");
    for (let i = 0; i < 9; i++) {
      await store.work.createInvocation(newInvocation(`z${i}`));
      const [assignment] = await store.work.claimWork(w, ["task"], 1, i);
      await store.work.finishAttempt(assignment!.assignmentId, w, { status: "SUCCESS", result: i }, i);
    }
    const kept = (await store.work.listInvocations({ taskId: "task", limit: 100 })).items.map((i) => i.id);
    expect(kept.length).toBeLessThanOrEqual(6);
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(kept[0]).toBe("z8");
    expect(await store.work.getInvocation("z0")).toBeUndefined();
  });

  it("defers evaluations per app and hands each out once", async () => {
    const occurrence: Occurrence = { kind: "event", id: "ev", at: 1, code: "c", payload: {} };
    await store.deferred.deferEvaluation("app-a", "trg_1", occurrence);
    await store.deferred.deferEvaluation("app-b", "trg_2", occurrence);
    expect(await store.deferred.readDeferred(["app-c"], "c1", 10, 20, never)).toEqual([]);
    const items = await store.deferred.readDeferred(["app-a"], "c1", 10, 50, never);
    expect(items.map((item) => [item.appId, item.triggerId, item.occurrence])).toEqual([
      ["app-a", "trg_1", occurrence],
    ]);
    await store.deferred.settleDeferred(items[0]!, []);
    expect(await store.deferred.readDeferred(["app-a"], "c2", 10, 20, never)).toEqual([]);
  });

  it("settles a deferred evaluation in one step: its records kept, the item acknowledged", async () => {
    await store.registry.createTrigger(trigger("trg_df"));
    const occurrence: Occurrence = { kind: "event", id: "ev_df", at: 1, code: "e", payload: {} };
    await store.deferred.deferEvaluation("app-a", "trg_df", occurrence);
    const [item] = await store.deferred.readDeferred(["app-a"], "c1", 10, 50, never);
    expect((await store.stats()).occurrenceBacklog).toBe(1);
    const record: Evaluation = {
      triggerId: "trg_df",
      at: 2,
      occurrenceId: "ev_df",
      outcome: "filtered_out",
      detail: "",
    };
    await store.deferred.settleDeferred(item!, [record]);
    expect(await store.history.listEvaluations("trg_df", 10)).toEqual([record]);
    expect((await store.stats()).occurrenceBacklog).toBe(0);
  });

  it("notifies subscribers of work, invocation and trigger changes", async () => {
    const notices: StoreNotice[] = [];
    const unsubscribe = store.subscribe((notice) => notices.push(notice));
    await store.followStatusChanges(true); // REGISTERED is not final: it comes only while followed
    await store.work.createInvocation(newInvocation("n1"));
    await store.registry.createTrigger(trigger("trg_n"));
    const has = (type: string) => notices.some((notice) => notice.type === type);
    await waitFor(() => has("work") && has("invocation") && has("trigger"), "the three notices");
    expect(notices).toEqual(
      expect.arrayContaining([
        { type: "work", taskId: "task" },
        { type: "invocation", invocationId: "n1", status: "REGISTERED" as InvocationStatus },
        { type: "trigger", triggerId: "trg_n", version: expect.any(Number) },
      ]),
    );
    unsubscribe();
  });

  it("moves the registry version once per change of triggers or apps, and each notice carries its version", async () => {
    const notices: StoreNotice[] = [];
    const unsubscribe = store.subscribe((notice) => notices.push(notice));
    const start = await store.registry.registryVersion();
    expect(start).toBeGreaterThan(0); // beforeEach registered an app
    await store.registry.createTrigger(trigger("trg_v"));
    await store.registry.createTrigger(trigger("trg_v")); // exists: no change
    await store.registry.setTriggerPaused("trg_v", true);
    await store.registry.deleteTrigger("trg_v");
    await store.registry.deleteTrigger("trg_v"); // unknown: no change
    await store.registry.registerApp({
      appId: "app",
      tasks: [],
      triggers: [trigger("trg_dv", { origin: "declared" })],
    });
    await store.work.createInvocation(newInvocation("not-a-registry-change"));
    expect(await store.registry.registryVersion()).toBe(start + 5);
    // Notices of changes made before `start` may still arrive (pub/sub is asynchronous): not counted.
    const registry = () =>
      notices.filter(
        (notice) => (notice.type === "trigger" || notice.type === "app") && notice.version > start,
      );
    await waitFor(() => registry().length === 5, "five registry notices");
    const versions = registry().map((notice) => ("version" in notice ? notice.version : 0));
    expect(versions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5].map((n) => start + n));
    expect(registry().filter((notice) => notice.type === "trigger" && notice.triggerId === "trg_v")).toEqual(
      [1, 2, 3].map((n) => ({ type: "trigger", triggerId: "trg_v", version: start + n })),
    );
    unsubscribe();
  });
});
