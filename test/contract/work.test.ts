/** Store contract, work: invocations, firings, claims, attempts, worker leases and retries. */
import { describe, expect, it } from "vitest";
import type { Assignment } from "../../src/domain/invocation.js";
import type { WorkerRef } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { STORE_KINDS } from "../support/stores.js";
import { connectWorker, drainOccurrences, newInvocation, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, work: %s", (kind) => {
  const store = useContractStore(kind);
  const connect = (workerId: string, sessionId?: string, until?: number) =>
    connectWorker(store(), workerId, sessionId, until);

  it("lists the live workers with their profiles and holdings; a released or expired worker is gone", async () => {
    const a = { workerId: "wa", sessionId: "wa-s1" };
    const b = { workerId: "wb", sessionId: "wb-s1" };
    const profileA = { appId: "app", taskIds: ["task", "other"], concurrency: 4, sdk: "typescript/1" };
    await store().work.connectWorker(a, [], 5_000, 0, profileA);
    await store().work.connectWorker(b, [], 9_000, 0, { ...profileA, taskIds: ["task"], sdk: "python/2" });
    await store().work.createInvocation(newInvocation("i1"));
    await store().work.claimWork(a, ["task"], 1, 0);
    const byId = async (now: number) =>
      Object.fromEntries((await store().work.liveWorkers(now)).map((w) => [w.workerId, w]));
    expect(await byId(1_000)).toEqual({
      wa: { ...profileA, workerId: "wa", leaseUntil: 5_000, held: 1 },
      wb: { ...profileA, taskIds: ["task"], sdk: "python/2", workerId: "wb", leaseUntil: 9_000, held: 0 },
    });
    // Past a's lease: only b.
    expect(Object.keys(await byId(6_000))).toEqual(["wb"]);
    await store().work.releaseWorker(b, 1_000);
    expect(Object.keys(await byId(1_000))).toEqual(["wa"]);
    await store().work.releaseExpiredWorkers(6_000);
    expect(await store().work.liveWorkers(0)).toEqual([]);
  });

  it("keeps an invocation's traceparent and hands it on with its assignments and status occurrences", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    store().watchStatuses({ watches: (_task, status) => status === "SUCCESS" });
    const worker = await connect("w");
    await store().work.createInvocation({ ...newInvocation("traced"), traceparent });
    await store().work.createInvocation(newInvocation("plain"));
    const claimed = await store().work.claimWork(worker, ["task"], 2, 1_000);
    expect(claimed.map((a) => [a.invocationId, a.traceparent, a.createdAt])).toEqual([
      ["traced", traceparent, 1_000],
      ["plain", undefined, 1_000],
    ]);
    expect((await store().work.getInvocation("traced"))?.traceparent).toBe(traceparent);
    const held = await store().work.getAssignment(claimed[0]?.assignmentId as string, "w");
    expect(held?.traceparent).toBe(traceparent);
    for (const assignment of claimed)
      await store().work.finishAttempt(
        assignment.assignmentId,
        worker,
        { status: "SUCCESS", result: 1 },
        1_001,
      );
    const logged = await drainOccurrences(store());
    expect(logged.map((o) => [o.id, o.kind === "status" ? o.traceparent : "?"])).toEqual([
      ["traced@3", traceparent],
      ["plain@3", undefined],
    ]);
  });

  it("counts final statuses per ten-second bucket, whoever ended them; RETRY is not final", async () => {
    const worker = await connect("w");
    for (const id of ["a", "b", "c", "d"]) await store().work.createInvocation(newInvocation(id));
    const [a, b, c, d] = (await store().work.claimWork(worker, ["task"], 4, 1_000)).map(
      (x) => x.assignmentId,
    );
    const error = { type: "E", message: "m", chain: ["E"], stack: "" };
    await store().work.finishAttempt(a as string, worker, { status: "SUCCESS", result: 1 }, 1_000_001);
    await store().work.finishAttempt(b as string, worker, { status: "SUCCESS", result: 1 }, 1_009_999);
    await store().work.finishAttempt(c as string, worker, { status: "FAILED", error }, 1_010_000);
    await store().work.finishAttempt(
      d as string,
      worker,
      { status: "RETRY", error, retryAt: 2_000_000 },
      1_010_001,
    );
    expect(await store().work.activity(995_000, 1_025_000)).toEqual([
      { start: 990_000, succeeded: 0, failed: 0 },
      { start: 1_000_000, succeeded: 2, failed: 0 },
      { start: 1_010_000, succeeded: 0, failed: 1 },
      { start: 1_020_000, succeeded: 0, failed: 0 },
    ]);
  });

  it("counts the invocations waiting in each task's queue", async () => {
    const worker = { workerId: "w", sessionId: "w-s1" };
    await store().work.connectWorker(worker, [], 5_000, 0);
    for (const id of ["i1", "i2", "i3"]) await store().work.createInvocation(newInvocation(id));
    expect((await store().work.queueDepths()).get("task")).toBe(3);
    await store().work.claimWork(worker, ["task"], 2, 0);
    expect((await store().work.queueDepths()).get("task")).toBe(1);
  });

  it("creates, dedupes by idempotency key, lists newest first with stable pages", async () => {
    for (const id of ["i1", "i2", "i3"]) await store().work.createInvocation(newInvocation(id));
    const first = await store().work.createInvocation(newInvocation("i4"), {
      idempotencyKey: "k",
    });
    const again = await store().work.createInvocation(newInvocation("i5"), {
      idempotencyKey: "k",
    });
    expect([first.created, again.created, again.invocation.id]).toEqual([true, false, "i4"]);
    expect(await store().work.getInvocation("i4")).toMatchObject({
      id: "i4",
      status: "REGISTERED",
      attempt: 1,
      arguments: { n: "i4" },
    });
    const page1 = await store().work.listInvocations({ taskId: "task", limit: 3 });
    expect(page1.items.map((i) => i.id)).toEqual(["i4", "i3", "i2"]);
    await store().work.createInvocation(newInvocation("i6"));
    const page2 = await store().work.listInvocations({
      taskId: "task",
      limit: 3,
      pageToken: page1.nextPageToken as string,
    });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: "i1" })] });
    expect((await store().work.listInvocations({ limit: 10, status: "REGISTERED" })).items).toHaveLength(5);
    expect(await store().work.getInvocation("nope")).toBeUndefined();
  });

  it("fires once per firing key and records the event provenance", async () => {
    await store().registry.createTrigger(trigger("trg_a"));
    await store().history.appendEvent({
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
    const once = await store().work.fire(firing);
    const twice = await store().work.fire({ ...firing, invocation: { ...firing.invocation, id: "f2" } });
    expect(once).toMatchObject({ outcome: "fired", invocation: { id: "f1", status: "REGISTERED" } });
    expect(twice).toEqual({ outcome: "deduplicated", invocationId: "f1", invocationKept: true });
    expect((await store().history.getEvent("ev1"))?.invocationIds).toEqual(["f1"]);
    expect(
      (await store().work.listInvocations({ triggerId: "trg_a", limit: 10 })).items.map((i) => i.id),
    ).toEqual(["f1"]);
    expect((await store().work.getInvocation("f1"))?.provenance).toEqual(provenance);
  });

  /** Runs `ids` to SUCCESS, so that retention (5 finished kept here) drops the oldest. */
  async function finishAll(ids: string[]): Promise<void> {
    const worker = await connect("w");
    for (const id of ids) {
      if (!(await store().work.getInvocation(id))) await store().work.createInvocation(newInvocation(id));
      const [assignment] = await store().work.claimWork(worker, ["task"], 1, 1);
      await store().work.finishAttempt(
        assignment!.assignmentId,
        worker,
        { status: "SUCCESS", result: id },
        2,
      );
    }
  }

  it("a firing key outlives the invocation it created: a repeat after retention creates nothing", async () => {
    await store().registry.createTrigger(trigger("trg_r"));
    const firing = (id: string) => ({
      triggerId: "trg_r",
      invocation: newInvocation(id),
      firingKey: "trg_r|occ1",
      eventIds: [],
    });
    expect((await store().work.fire(firing("first"))).outcome).toBe("fired");
    await finishAll(["first", ...Array.from({ length: 9 }, (_, i) => `later${i}`)]);
    expect(await store().work.getInvocation("first")).toBeUndefined();
    const kept = (await store().work.listInvocations({ limit: 100 })).items.length;

    const repeat = await store().work.fire(firing("second"));
    expect(repeat).toEqual({ outcome: "deduplicated", invocationId: "first", invocationKept: false });
    expect(await store().work.getInvocation("second")).toBeUndefined();
    expect((await store().work.listInvocations({ limit: 100 })).items.length).toBe(kept);
    expect((await store().stats()).activeInvocations).toBe(0);
  });

  it("an idempotency key answers only while its invocation is kept", async () => {
    const invoke = (id: string) =>
      store().work.createInvocation(newInvocation(id), { idempotencyKey: "once" });
    expect((await invoke("k1")).created).toBe(true);
    await finishAll(["k1", ...Array.from({ length: 9 }, (_, i) => `other${i}`)]);
    expect(await store().work.getInvocation("k1")).toBeUndefined();
    const again = await invoke("k2");
    expect([again.created, again.invocation.id]).toEqual([true, "k2"]);
    expect((await invoke("k3")).invocation.id).toBe("k2");
  });

  it("a firing for a trigger paused or deleted meanwhile creates nothing", async () => {
    await store().registry.createTrigger(trigger("trg_p"));
    const firing = (id: string, occurrence: string) => ({
      triggerId: "trg_p",
      invocation: newInvocation(id),
      firingKey: `trg_p|${occurrence}`,
      eventIds: [],
    });
    await store().registry.setTriggerPaused("trg_p", true);
    expect(await store().work.fire(firing("p1", "o1"), await connect("w"))).toEqual({
      outcome: "skipped",
      reason: "trigger paused",
    });
    await store().registry.setTriggerPaused("trg_p", false);
    expect((await store().work.fire(firing("p2", "o1"))).outcome).toBe("fired");
    await store().registry.deleteTrigger("trg_p");
    expect(await store().work.fire(firing("p3", "o2"))).toEqual({
      outcome: "skipped",
      reason: "trigger deleted",
    });
    expect((await store().work.listInvocations({ limit: 10 })).items.map((i) => i.id)).toEqual(["p2"]);
    expect(await store().work.getAssignment("p1/2/task", "w")).toBeUndefined();
  });

  it("assigns work oldest first, runs the lifecycle, and refuses stale assignments", async () => {
    for (const id of ["a", "b", "c"]) await store().work.createInvocation(newInvocation(id));
    const w1 = await connect("w1");
    const claimed = await store().work.claimWork(w1, ["task"], 2, 2000);
    expect(claimed.map((a) => [a.invocationId, a.taskId, a.attempt, a.arguments])).toEqual([
      ["a", "task", 1, { n: "a" }],
      ["b", "task", 1, { n: "b" }],
    ]);
    const [a, b] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
    // What a task's timeout and the start lease count from: the delivery, and whether it started.
    expect(await store().work.getAssignment(a.assignmentId, "w1")).toEqual({
      ...a,
      assignedAt: 2000,
      started: false,
    });
    expect((await store().work.getInvocation("a"))?.assignment?.assignedAt).toBe(2000);
    expect(await store().work.markStarted(a.assignmentId, "w1", 2001)).toBe(true);
    expect((await store().work.getInvocation("a"))?.status).toBe("RUNNING");
    expect(await store().work.getAssignment(a.assignmentId, "w1")).toEqual({
      ...a,
      assignedAt: 2000,
      started: true,
    });
    const finished = await store().work.finishAttempt(
      a.assignmentId,
      w1,
      { status: "SUCCESS", result: { ok: 1 } },
      2002,
    );
    expect(finished).toEqual({ applied: true, claimed: [] });
    const done = await store().work.getInvocation("a");
    expect(done).toMatchObject({ id: "a", status: "SUCCESS", result: { ok: 1 } });
    expect(done?.assignment).toBeUndefined();
    const stale = await store().work.finishAttempt(
      a.assignmentId,
      w1,
      { status: "SUCCESS", result: 2 },
      2003,
    );
    expect(stale.applied).toBe(false);
    expect(await store().work.markStarted(a.assignmentId, "w1", 2003)).toBe(false);

    const released = await store().work.releaseWorker(w1, 2004);
    expect(released.map((i) => [i.id, i.status])).toEqual([["b", "REGISTERED"]]);
    expect(
      (await store().work.finishAttempt(b.assignmentId, w1, { status: "SUCCESS", result: 1 }, 2005)).applied,
    ).toBe(false);
    // The stream ended: that connection gets no more work.
    expect(await store().work.claimWork(w1, ["task"], 5, 2006)).toEqual([]);
    const next = await store().work.claimWork(await connect("w2"), ["task"], 5, 2006);
    expect(next.map((x) => x.invocationId).sort()).toEqual(["b", "c"]);
    expect((await store().stats()).activeInvocations).toBe(2);
  });

  it("refills a worker's credit in the step that ends its attempt", async () => {
    for (const id of ["p", "q", "r"]) await store().work.createInvocation(newInvocation(id));
    const w = await connect("w");
    const [first] = await store().work.claimWork(w, ["task"], 1, 10);
    const refill = { taskIds: ["task"], max: 2 };
    const result = await store().work.finishAttempt(
      first!.assignmentId,
      w,
      { status: "SUCCESS", result: 1 },
      11,
      { refill },
    );
    expect(result.applied).toBe(true);
    expect(result.claimed.map((assignment) => assignment.invocationId)).toEqual(["q", "r"]);
    expect((await store().work.getInvocation("q"))?.assignment?.workerId).toBe("w");
    const stale = await store().work.finishAttempt(
      first!.assignmentId,
      w,
      { status: "SUCCESS", result: 1 },
      12,
      { refill },
    );
    expect(stale).toEqual({ applied: false, claimed: [] });
  });

  it("releases the work of workers whose lease ended, and only theirs", async () => {
    await store().work.createInvocation(newInvocation("x"));
    await store().work.createInvocation(newInvocation("y"));
    const dead = await connect("dead", "dead-s1", 1000);
    const alive = await connect("alive", "alive-s1", 1000);
    expect(await store().work.renewWorkerLease(alive, 9000)).toBe(true);
    await store().work.claimWork(dead, ["task"], 1, 500);
    await store().work.claimWork(alive, ["task"], 1, 500);
    const released = await store().work.releaseExpiredWorkers(5000);
    expect(released.map((i) => i.id)).toEqual(["x"]);
    expect((await store().work.getInvocation("y"))?.status).toBe("PENDING");
    // Its connection was forgotten with the lease: no work until it renews (it is current again then).
    await store().work.createInvocation(newInvocation("z"));
    expect(await store().work.claimWork(dead, ["task"], 5, 5001)).toEqual([]);
    expect(await store().work.renewWorkerLease(dead, 20_000)).toBe(true);
    expect((await store().work.claimWork(dead, ["task"], 5, 5002)).map((a) => a.invocationId)).toEqual([
      "x",
      "z",
    ]);
  });

  it("counts each loss of an invocation once, whichever way its worker lost it, and hands the count out with it", async () => {
    await store().work.createInvocation(newInvocation("lost"));
    const claimOne = async (worker: WorkerRef, at: number) => {
      const [assignment] = await store().work.claimWork(worker, ["task"], 1, at);
      return assignment as Assignment;
    };
    // Never lost: no count.
    const w1 = await connect("w", "w-s1");
    const first = await claimOne(w1, 10);
    expect(first.lost).toBeUndefined();
    // The stream ends; its cleanup runs twice (a re-run) and counts once.
    await store().work.releaseWorker(w1, 11);
    await store().work.releaseWorker(w1, 11);
    const w2 = await connect("w", "w-s2");
    const second = await claimOne(w2, 12);
    expect([second.invocationId, second.lost]).toEqual(["lost", 1]);
    // Taken back by id (not started within a lease), then the lease runs out.
    expect((await store().work.releaseWorker(w2, 13, [second.assignmentId])).map((i) => i.id)).toEqual([
      "lost",
    ]);
    expect((await claimOne(w2, 14)).lost).toBe(2);
    await store().work.connectWorker({ workerId: "w", sessionId: "w-s3" }, [], 1000, 15);
    const third = await claimOne({ workerId: "w", sessionId: "w-s3" }, 16);
    expect(third.lost).toBe(3);
    expect((await store().work.releaseExpiredWorkers(2000)).map((i) => i.id)).toEqual(["lost"]);
    const w4 = await connect("w", "w-s4");
    expect((await claimOne(w4, 2001)).lost).toBe(4);
    // Its status history and attempt are untouched by the count.
    expect(await store().work.getInvocation("lost")).toMatchObject({ status: "PENDING", attempt: 1 });
  });

  it("releases work a prefetching worker held for a slot without counting a loss", async () => {
    for (const id of ["ran", "held1", "held2"]) await store().work.createInvocation(newInvocation(id));
    /** What the connection claims, by invocation id, with each one's loss count. */
    const claimAll = async (worker: WorkerRef, at: number) =>
      (await store().work.claimWork(worker, ["task"], 3, at))
        .map((a) => [a.invocationId, a.lost, a.assignmentId] as const)
        .sort(([a], [b]) => a.localeCompare(b));
    const w1 = await connect("w", "w-s1");
    const first = await claimAll(w1, 10);
    const waiting = first.filter(([id]) => id !== "ran").map(([, , assignmentId]) => assignmentId);
    // The stream ends holding all three; two were waiting for its slot.
    expect((await store().work.releaseWorker(w1, 11, undefined, waiting)).map((i) => i.id).sort()).toEqual([
      "held1",
      "held2",
      "ran",
    ]);
    const w2 = await connect("w", "w-s2");
    const again = await claimAll(w2, 12);
    expect(again.map(([id, lost]) => [id, lost])).toEqual([
      ["held1", undefined],
      ["held2", undefined],
      ["ran", 1],
    ]);
    // By id too (the lease stays): only the one named waiting goes back uncounted.
    const [held1, held2] = again.map(([, , assignmentId]) => assignmentId);
    expect(
      (await store().work.releaseWorker(w2, 13, [held1 as string, held2 as string], [held1 as string]))
        .map((i) => i.id)
        .sort(),
    ).toEqual(["held1", "held2"]);
    expect((await claimAll(w2, 14)).map(([id, lost]) => [id, lost])).toEqual([
      ["held1", undefined],
      ["held2", 1],
    ]);
  });

  it("applies starts, results and failures only from the worker holding the assignment", async () => {
    await store().work.createInvocation(newInvocation("held"));
    const owner = await connect("owner");
    const other = await connect("other");
    const [assignment] = await store().work.claimWork(owner, ["task"], 1, 10);
    const id = assignment!.assignmentId;
    const error = { type: "Forged", message: "forged", chain: ["Forged"], stack: "" };
    const refused = { applied: false, claimed: [] };
    expect(await store().work.getAssignment(id, "other")).toBeUndefined();
    expect(await store().work.markStarted(id, "other", 11)).toBe(false);
    const forged = { status: "SUCCESS", result: "forged" } as const;
    expect(await store().work.finishAttempt(id, other, forged, 12, { startedAt: 11 })).toEqual(refused);
    expect(await store().work.finishAttempt(id, other, { status: "FAILED", error }, 12)).toEqual(refused);
    const retry = { status: "RETRY", error, retryAt: 99 } as const;
    expect(await store().work.finishAttempt(id, other, retry, 12)).toEqual(refused);
    expect(await store().work.releaseWorker(other, 13, [id])).toEqual([]);
    const untouched = await store().work.getInvocation("held");
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
    expect(await store().work.connectWorker(reconnected, [id], 1e12, 14)).toEqual([]);
    expect(await store().work.getAssignment(id, "owner")).toEqual({
      ...assignment,
      assignedAt: 10,
      started: false,
    });
    expect(await store().work.markStarted(id, "owner", 15)).toBe(true);
    const real = { status: "SUCCESS", result: "real" } as const;
    expect(await store().work.finishAttempt(id, reconnected, real, 16)).toEqual({
      applied: true,
      claimed: [],
    });
    expect(await store().work.getInvocation("held")).toMatchObject({
      status: "SUCCESS",
      result: "real",
      version: 4,
    });
  });

  it("hands a worker's work to its newest connection; an older one's cleanup releases nothing", async () => {
    for (const id of ["a", "b", "c"]) await store().work.createInvocation(newInvocation(id));
    const first = await connect("w", "s1");
    const [a, b] = (await store().work.claimWork(first, ["task"], 2, 10)) as [Assignment, Assignment];
    expect([a.invocationId, b.invocationId]).toEqual(["a", "b"]);
    // The worker reconnects still running a; b was sent to the old stream and never arrived.
    const second = { workerId: "w", sessionId: "s2" };
    const requeued = await store().work.connectWorker(second, [a.assignmentId], 1e12, 11);
    expect(requeued.map((i) => [i.id, i.status])).toEqual([["b", "REGISTERED"]]);

    // The old stream's end, noticed late (on another replica, say), changes nothing,
    // and that stream gets no more work, straight or at creation.
    expect(await store().work.claimWork(first, ["task"], 5, 12)).toEqual([]);
    expect(await store().work.renewWorkerLease(first, 5e12)).toBe(false);
    expect(await store().work.releaseWorker(first, 13)).toEqual([]);
    expect(await store().work.releaseWorker(first, 13, [b.assignmentId])).toEqual([]);
    const queued = await store().work.createInvocation(newInvocation("d"), { assignTo: first });
    expect([queued.assignment, queued.invocation.status]).toEqual([undefined, "REGISTERED"]);
    expect(await store().work.getInvocation("a")).toMatchObject({
      status: "PENDING",
      assignment: { assignmentId: a.assignmentId, workerId: "w" },
    });

    // The new stream gets the work and can report what it took over.
    const claimed = await store().work.claimWork(second, ["task"], 5, 14);
    expect(claimed.map((x) => x.invocationId).sort()).toEqual(["b", "c", "d"]);
    const direct = await store().work.createInvocation(newInvocation("e"), { assignTo: second });
    expect(direct.assignment?.invocationId).toBe("e");
    const done = await store().work.finishAttempt(
      a.assignmentId,
      second,
      { status: "SUCCESS", result: 1 },
      15,
    );
    expect(done.applied).toBe(true);
    expect(await store().work.renewWorkerLease(second, 2e12)).toBe(true);
    // Its lease is intact: when it ends, every assignment the worker holds goes back.
    expect(await store().work.releaseExpiredWorkers(2e12 - 1)).toEqual([]);
    const expired = await store().work.releaseExpiredWorkers(2e12 + 1);
    expect(expired.map((i) => i.id).sort()).toEqual(["b", "c", "d", "e"]);
  });

  it("retries after the backoff with the next attempt number", async () => {
    await store().work.createInvocation(newInvocation("r"));
    const w = await connect("w");
    const [first] = await store().work.claimWork(w, ["task"], 1, 100);
    const error = { type: "E", message: "m", chain: ["E"], stack: "" };
    await store().work.finishAttempt(first!.assignmentId, w, { status: "RETRY", error, retryAt: 600 }, 200);
    expect(await store().work.getInvocation("r")).toMatchObject({ status: "RETRY", retryAt: 600, error });
    await store().work.announceDueRetries(500);
    expect(await store().work.claimWork(w, ["task"], 1, 500)).toEqual([]);
    await store().work.announceDueRetries(600);
    const [second] = await store().work.claimWork(w, ["task"], 1, 600);
    expect(second?.attempt).toBe(2);
    // Each ended attempt is kept: who ran it, when, and how it ended.
    await store().work.finishAttempt(second!.assignmentId, w, { status: "SUCCESS", result: 1 }, 700);
    expect(await store().work.attempts("r")).toEqual([
      { attempt: 1, workerId: "w", assignedAt: 100, endedAt: 200, outcome: "RETRY", error },
      { attempt: 2, workerId: "w", assignedAt: 600, endedAt: 700, outcome: "SUCCESS" },
    ]);
    expect(await store().work.attempts("unknown")).toEqual([]);
  });

  it("records a start not yet written in the step that ends the attempt, before the end", async () => {
    store().watchStatuses({ watches: (_task, status) => status === "RUNNING" || status === "SUCCESS" });
    await store().work.createInvocation(newInvocation("quick"));
    const w = await connect("w");
    const [quick] = await store().work.claimWork(w, ["task"], 1, 1);
    await store().work.finishAttempt(quick!.assignmentId, w, { status: "SUCCESS", result: 7 }, 3, {
      startedAt: 2,
    });
    // Already RUNNING: the start is not recorded twice.
    await store().work.createInvocation(newInvocation("slow"));
    const [slow] = await store().work.claimWork(w, ["task"], 1, 4);
    await store().work.markStarted(slow!.assignmentId, "w", 5);
    await store().work.finishAttempt(slow!.assignmentId, w, { status: "SUCCESS", result: 8 }, 7, {
      startedAt: 6,
    });
    const statuses = (await drainOccurrences(store())).map(
      (o) => `${o.id} ${"status" in o ? o.status : ""} ${o.at}`,
    );
    expect(statuses).toEqual([
      "quick@3 RUNNING 2",
      "quick@4 SUCCESS 3",
      "slow@3 RUNNING 5",
      "slow@4 SUCCESS 7",
    ]);
    expect((await store().work.getInvocation("quick"))?.status).toBe("SUCCESS");
  });

  it("keeps a bounded number of finished invocations", async () => {
    const w = await connect("w");
    for (let i = 0; i < 9; i++) {
      await store().work.createInvocation(newInvocation(`z${i}`));
      const [assignment] = await store().work.claimWork(w, ["task"], 1, i);
      await store().work.finishAttempt(assignment!.assignmentId, w, { status: "SUCCESS", result: i }, i);
    }
    const kept = (await store().work.listInvocations({ taskId: "task", limit: 100 })).items.map((i) => i.id);
    expect(kept.length).toBeLessThanOrEqual(6);
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(kept[0]).toBe("z8");
    expect(await store().work.getInvocation("z0")).toBeUndefined();
  });
});
