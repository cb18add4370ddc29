/**
 * Task timeouts and the start lease, over real gRPC with real workers, on every store:
 * an attempt not ended `timeoutMs` after its delivery (a prefetching worker: its
 * start) fails with TimeoutError (retries and onException apply) and its task's
 * signal is aborted; work a worker holds without starting it, while it has a slot
 * free, goes back to the queue after one lease.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { AbortReason, type ConnectResponse } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { InvalidArgumentError, Nenc, TaskFailedError, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../support/fake-clock.js";
import { openRawWorker, type RawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { overrideRole } from "../support/store-faults.js";
import { createStore, STORE_KINDS, storeAvailable, uniquePrefix } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

describe.each(STORE_KINDS)("task timeouts on %s", (kind) => {
  let server: NencServer | undefined;
  let apps: Nenc[] = [];
  let raws: RawWorker[] = [];
  let timers: NodeJS.Timeout[] = [];

  afterEach(async () => {
    for (const timer of timers) clearInterval(timer);
    timers = [];
    for (const raw of raws) raw.close();
    raws = [];
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    await server?.stop();
    server = undefined;
  });

  /** Maintenance sweeps so far: each announces due retries once. */
  let sweeps = 0;
  const start = async (orchestrator: Record<string, number> = {}) => {
    sweeps = 0;
    const store = countingSweeps(await createStore(kind), () => sweeps++);
    server = await startTestServer({ store, orchestrator: { sweepIntervalMs: 50, ...orchestrator } });
    return server;
  };
  /** Lets a few sweeps pass: each offers work to every worker with free credit. */
  const afterSweeps = async (count: number) => {
    const target = sweeps + count;
    await waitFor(() => sweeps >= target, `${count} maintenance sweeps`);
  };
  const newApp = (appId: string) => {
    const app = new Nenc({ url: server!.url, appId });
    apps.push(app);
    return app;
  };
  const runsOf = async (app: Nenc, taskId: string) => app.listInvocations({ taskId, limit: 1000 });

  it.skipIf(!storeAvailable(kind))(
    "fails an attempt past its timeoutMs with TimeoutError, aborts its signal, fires onException once and ignores the late result",
    async () => {
      await start();
      const app = newApp("slow");
      const seen: Array<{ aborted: boolean; reason: string; invocationId: string; attempt: number }> = [];
      const slow = app.task(
        "slow",
        async (_args: object, { signal, invocationId, attempt }) => {
          await new Promise((resolve) => signal.addEventListener("abort", resolve));
          seen.push({
            aborted: signal.aborted,
            reason: (signal.reason as Error).name,
            invocationId,
            attempt,
          });
          return "too late";
        },
        { timeoutMs: 150 },
      );
      app.task("on_timeout", async () => "noticed", {
        triggers: new TriggerBuilder().onException(slow, { exceptionTypes: ["TimeoutError"] }),
      });
      await app.startWorker({ concurrency: 2 });

      const invocation = await slow.invoke({});
      const failure = await invocation.result().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TaskFailedError);
      await waitFor(() => seen.length === 1, "the task's signal to be aborted");
      await server!.orchestrator.settled(20_000);

      expect(seen).toEqual([
        { aborted: true, reason: "TimeoutError", invocationId: invocation.id, attempt: 1 },
      ]);
      const info = await invocation.get();
      expect(info.status).toBe("FAILED");
      expect(info.attempt).toBe(1);
      expect(info.error?.type).toBe("TimeoutError");
      expect(info.error?.message).toBe('attempt 1 of task "slow" did not end within its timeoutMs of 150 ms');
      // The result the task returned after the abort was ignored.
      expect(info.result).toBeUndefined();
      const noticed = await runsOf(app, "on_timeout");
      expect(noticed.map((run) => [run.status, run.result])).toEqual([["SUCCESS", "noticed"]]);
    },
  );

  it.skipIf(!storeAvailable(kind))(
    "re-runs a timing-out task exactly maxRetries times; onException fires once, for the final failure",
    async () => {
      await start();
      const app = newApp("retries");
      const attempts: number[] = [];
      const slow = app.task(
        "slow",
        async (_args: object, { signal, attempt }) => {
          attempts.push(attempt);
          await new Promise((resolve) => signal.addEventListener("abort", resolve));
          throw signal.reason;
        },
        { timeoutMs: 100, retry: { maxRetries: 2, initialBackoffMs: 0 } },
      );
      app.task("on_timeout", async () => "noticed", {
        triggers: new TriggerBuilder().onException(slow, { exceptionTypes: "TimeoutError" }),
      });
      await app.startWorker({ concurrency: 1 });

      const invocation = await slow.invoke({});
      await expect(invocation.result()).rejects.toBeInstanceOf(TaskFailedError);
      await server!.orchestrator.settled(20_000);

      expect(attempts).toEqual([1, 2, 3]);
      const info = await invocation.get();
      expect([info.status, info.attempt, info.error?.type]).toEqual(["FAILED", 3, "TimeoutError"]);
      expect((await runsOf(app, "on_timeout")).map((run) => run.status)).toEqual(["SUCCESS"]);
    },
  );

  it.skipIf(!storeAvailable(kind))(
    "keeps a timed-out task's slot busy until the task really ends, however it ignores the abort",
    async () => {
      await start();
      const app = newApp("stubborn");
      const gate = deferred();
      const stubborn = app.task(
        "stubborn",
        async () => {
          await gate.promise;
          return "ended";
        },
        { timeoutMs: 100 },
      );
      let quickRuns = 0;
      const quick = app.task("quick", async () => ++quickRuns);
      // No prefetch: the quick task stays in the queue, where another worker could take it.
      await app.startWorker({ concurrency: 1, prefetch: 0 });

      const hung = await stubborn.invoke({});
      await expect(hung.result()).rejects.toBeInstanceOf(TaskFailedError);
      const next = await quick.invoke({});
      await afterSweeps(3);
      // The worker's one slot still runs the stubborn task: the quick one waits.
      expect([await next.status(), quickRuns]).toEqual(["REGISTERED", 0]);

      gate.resolve();
      expect(await next.result()).toBe(1);
      const info = await hung.get();
      expect([info.status, info.error?.type, info.result]).toEqual(["FAILED", "TimeoutError", undefined]);
    },
  );

  it.skipIf(!storeAvailable(kind))(
    "counts a prefetched assignment's timeout from its start, and keeps it past the lease while every slot runs",
    async () => {
      await start({ leaseMs: 200, heartbeatIntervalMs: 50 });
      const app = newApp("prefetched");
      const gate = deferred();
      let longRunning = false;
      const long = app.task("long", async () => {
        longRunning = true;
        await gate.promise;
        return "long";
      });
      let quickRuns = 0;
      const quick = app.task("quick", async () => ++quickRuns, { timeoutMs: 100 });
      await app.startWorker({ concurrency: 1, prefetch: 1 });

      const first = await long.invoke({});
      await waitFor(() => longRunning, "the long task running");
      const held = await quick.invoke({});
      await waitFor(async () => (await held.status()) === "PENDING", "the quick task held by the worker");
      // Held well past its timeout and past the lease (200 ms; a sweep every 50 ms), never started.
      const heldSince = Date.now();
      await afterSweeps(8);
      await waitFor(() => Date.now() - heldSince > 400, "two leases");
      expect([await held.status(), quickRuns]).toEqual(["PENDING", 0]);

      gate.resolve();
      expect([await first.result(), await held.result()]).toEqual(["long", 1]);
      const info = await held.get();
      expect([info.status, info.attempt, quickRuns]).toEqual(["SUCCESS", 1, 1]);
    },
  );

  it.skipIf(!storeAvailable(kind))(
    "takes back work a heartbeating worker never starts; another worker runs each exactly once",
    async () => {
      await start({ leaseMs: 400, heartbeatIntervalMs: 100 });
      const owner = newApp("hoard");
      const runs = new Map<string, number>();
      owner.task("job", async ({ n }: { n: number }) => {
        runs.set(String(n), (runs.get(String(n)) ?? 0) + 1);
        return n;
      });
      await owner.register();

      // A worker that takes everything it can and starts nothing, heartbeating all along.
      const hoarder = openRawWorker(server!.url);
      raws.push(hoarder);
      hoarder.send({
        case: "hello",
        value: { appId: "hoard", workerId: "hoarder", concurrency: 5, taskIds: ["job"] },
      });
      expect((await hoarder.next()).message.case).toBe("welcome");
      timers.push(setInterval(() => hoarder.send({ case: "heartbeat", value: {} }), 50));
      const invocations = await Promise.all([0, 1, 2, 3, 4].map((n) => owner.invoke<number>("job", { n })));
      const assigned: string[] = [];
      for (let i = 0; i < 5; i++) assigned.push(assignmentIdOf(await hoarder.next()));

      // After one lease each is aborted (not started) and goes to a real worker.
      const aborts: Array<[string, AbortReason]> = [];
      for (let i = 0; i < 5; i++) {
        const message = (await hoarder.next()).message;
        if (message.case !== "abort") throw new Error(`expected an abort, got ${message.case}`);
        expect(message.value.message).toBe("the worker did not report it started within 400 ms");
        aborts.push([message.value.assignmentId, message.value.reason]);
      }
      expect(aborts.map(([id]) => id).sort()).toEqual([...assigned].sort());
      expect(new Set(aborts.map(([, reason]) => reason))).toEqual(new Set([AbortReason.NOT_STARTED]));
      const real = await owner.startWorker({ concurrency: 5 });
      expect(await Promise.all(invocations.map((invocation) => invocation.result()))).toEqual([
        0, 1, 2, 3, 4,
      ]);
      expect([...runs.entries()].sort()).toEqual([0, 1, 2, 3, 4].map((n) => [String(n), 1]));
      for (const invocation of invocations) expect((await invocation.get()).attempt).toBe(1);

      // The hoarder's taken-back assignments keep its credit until it reports them:
      // new work goes to the real worker, and with none left, waits.
      let hoarderGot: ConnectResponse | undefined;
      const hoarderNext = hoarder.next().then(
        (message) => {
          hoarderGot = message;
          return message;
        },
        () => undefined,
      );
      const more = await Promise.all([5, 6, 7].map((n) => owner.invoke<number>("job", { n })));
      expect(await Promise.all(more.map((invocation) => invocation.result()))).toEqual([5, 6, 7]);
      await real.stop();
      const last = await owner.invoke<number>("job", { n: 8 });
      await afterSweeps(3);
      expect([hoarderGot, await last.status()]).toEqual([undefined, "REGISTERED"]);

      // It reports one (the result is ignored): that credit comes back, and it gets work again.
      const [firstId] = assigned as [string];
      hoarder.send({ case: "failed", value: { assignmentId: firstId, error: { type: "AbortError" } } });
      const next = await hoarderNext;
      expect(next?.message.case === "assignment" && next.message.value.invocationId).toBe(last.id);
      expect((await invocations[0]!.get()).status).toBe("SUCCESS");
      expect(runs.get("0")).toBe(1);
    },
  );

  /** A raw worker of app `appId` named `workerId`, welcomed; `held` as a reconnecting worker lists them. */
  const rawWorker = async (appId: string, workerId: string, held: string[] = []) => {
    // Concurrency 1: work taken back from it cannot come straight back to it (its credit stays used).
    const raw = openRawWorker(server!.url);
    raws.push(raw);
    raw.send({
      case: "hello",
      value: { appId, workerId, concurrency: 1, taskIds: ["job"], heldAssignmentIds: held },
    });
    expect((await raw.next()).message.case).toBe("welcome");
    return raw;
  };

  it.skipIf(!storeAvailable(kind))(
    "a reconnecting worker that lists unstarted work as held still loses it after the lease",
    async () => {
      await start({ leaseMs: 400, heartbeatIntervalMs: 100 });
      const owner = newApp("held");
      let runs = 0;
      owner.task("job", async () => ++runs);
      await owner.register();
      const first = await rawWorker("held", "hoarder");
      const invocation = await owner.invoke<number>("job", {});
      const assignmentId = assignmentIdOf(await first.next());

      // The same worker connects again, claiming it still runs the assignment it never started.
      const second = await rawWorker("held", "hoarder", [assignmentId]);
      timers.push(setInterval(() => second.send({ case: "heartbeat", value: {} }), 50));
      const message = (await second.next()).message;
      expect(message.case === "abort" && [message.value.assignmentId, message.value.reason]).toEqual([
        assignmentId,
        AbortReason.NOT_STARTED,
      ]);
      await owner.startWorker({ concurrency: 1 });
      expect(await invocation.result()).toBe(1);
      expect([runs, (await invocation.get()).attempt]).toEqual([1, 1]);
    },
  );

  it.skipIf(!storeAvailable(kind))(
    "counts a reconnected worker's timeout from the first delivery, not from the reconnect",
    async () => {
      const clock = new FakeClock(Date.now());
      server = await startTestServer({
        store: await createStore(kind),
        orchestrator: { clock, leaseMs: 60_000, sweepIntervalMs: 100 },
      });
      const owner = newApp("clocked");
      owner.task("job", async () => 1, { timeoutMs: 1000 });
      await owner.register();
      const first = await rawWorker("clocked", "runner");
      const invocation = await owner.invoke<number>("job", {});
      const assignmentId = assignmentIdOf(await first.next());
      const deliveredAt = clock.now();
      first.send({ case: "started", value: { assignmentId } });
      await waitFor(async () => (await invocation.status()) === "RUNNING", "the start to be recorded");

      await clock.advance(600);
      const second = await rawWorker("clocked", "runner", [assignmentId]);
      await first.ended;
      await clock.advance(400);
      // The reconnect's read of its held work may land after that: a tick more then fires it.
      await waitFor(async () => {
        await clock.advance(1);
        return (await invocation.status()) === "FAILED";
      }, "the attempt to time out");
      expect(clock.now() - deliveredAt).toBeLessThan(1600);
      const message = (await second.next()).message;
      expect(message.case === "abort" && [message.value.assignmentId, message.value.reason]).toEqual([
        assignmentId,
        AbortReason.TIMEOUT,
      ]);
      const info = await invocation.get();
      expect([info.status, info.attempt, info.error?.type]).toEqual(["FAILED", 1, "TimeoutError"]);
    },
  );

  it.skipIf(!storeAvailable(kind))("refuses a timeoutMs out of range, naming the field", async () => {
    await start();
    const app = newApp("bad");
    const refusal = await app.clients.apps
      .registerApp({ appId: "bad", tasks: [{ id: "ok" }, { id: "t", timeoutMs: -5n }] })
      .catch((error: unknown) => ConnectError.from(error));
    expect(refusal).toBeInstanceOf(ConnectError);
    expect((refusal as ConnectError).code).toBe(Code.InvalidArgument);
    expect((refusal as ConnectError).rawMessage).toContain("tasks[1].timeoutMs");
    expect((refusal as ConnectError).rawMessage).toContain("from 1 to 604800000");

    app.task("too_long", async () => 1, { timeoutMs: 8 * 24 * 3600 * 1000 });
    const tooLong = await app.register().catch((error: unknown) => error);
    expect(tooLong).toBeInstanceOf(InvalidArgumentError);
    expect((tooLong as Error).message).toContain("tasks[0].timeoutMs");
    expect(() => app.task("fractional", async () => 1, { timeoutMs: 1.5 })).toThrow(TypeError);
  });
});

function assignmentIdOf(response: ConnectResponse): string {
  const message = response.message;
  if (message.case !== "assignment") throw new Error(`expected an assignment, got ${message.case}`);
  return message.value.assignmentId;
}

/** The store, counting maintenance sweeps (each announces due retries once). */
function countingSweeps(store: Store, onSweep: () => void): Store {
  return overrideRole(store, "work", (work) => ({
    announceDueRetries(now: number) {
      onSweep();
      return work.announceDueRetries(now);
    },
  }));
}

describe.skipIf(!storeAvailable("redis"))("task timeouts across replicas", () => {
  let servers: NencServer[] = [];
  let apps: Nenc[] = [];
  let raws: RawWorker[] = [];

  afterEach(async () => {
    for (const raw of raws) raw.close();
    raws = [];
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    await Promise.all(servers.map((server) => server.stop()));
    servers = [];
  });

  it("applies a timeout once when a worker's old stream on one replica and its new one on another both time it", async () => {
    const prefix = uniquePrefix();
    for (let i = 0; i < 2; i++) {
      const store = await RedisStore.connect({ url: inject("redisUrl"), prefix });
      servers.push(await startTestServer({ store, orchestrator: { sweepIntervalMs: 50 } }));
    }
    const [a, b] = servers as [NencServer, NencServer];
    const owner = new Nenc({ url: a.url, appId: "moving" });
    const watcher = new Nenc({ url: a.url, appId: "watcher" });
    apps.push(owner, watcher);
    owner.task("job", async () => 1, { timeoutMs: 300 });
    await owner.register();
    let noticed = 0;
    watcher.task("on_timeout", async () => ++noticed, {
      triggers: new TriggerBuilder().onException("job", { exceptionTypes: ["TimeoutError"] }),
    });
    await watcher.startWorker({ concurrency: 1 });

    const hello = (held: string[]) => ({
      case: "hello" as const,
      value: {
        appId: "moving",
        workerId: "mover",
        concurrency: 1,
        taskIds: ["job"],
        heldAssignmentIds: held,
      },
    });
    const onA = openRawWorker(a.url);
    raws.push(onA);
    onA.send(hello([]));
    expect((await onA.next()).message.case).toBe("welcome");
    const invocation = await owner.invoke<number>("job", {});
    const assignmentId = assignmentIdOf(await onA.next());
    onA.send({ case: "started", value: { assignmentId } });
    await waitFor(async () => (await invocation.status()) === "RUNNING", "the start to be recorded");
    // The worker moves to replica b; replica a still sees its old stream open: both time the attempt.
    const onB = openRawWorker(b.url);
    raws.push(onB);
    onB.send(hello([assignmentId]));
    expect((await onB.next()).message.case).toBe("welcome");

    await expect(invocation.result()).rejects.toBeInstanceOf(TaskFailedError);
    await waitFor(() => noticed === 1, "onException to fire");
    await Promise.all(servers.map((server) => server.orchestrator.settled(20_000)));
    const info = await a.orchestrator.store.work.getInvocation(invocation.id);
    // REGISTERED, PENDING, RUNNING, FAILED: one failure, applied once.
    expect([info?.status, info?.attempt, info?.version, info?.error?.type]).toEqual([
      "FAILED",
      1,
      4,
      "TimeoutError",
    ]);
    expect(noticed).toBe(1);
  });
});
