import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { Nenc, TaskFailedError } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

describe.each(STORE_KINDS)("invocations on %s", (kind) => {
  let server: NencServer;
  let apps: Nenc[] = [];
  const newApp = (appId: string) => {
    const app = new Nenc({ url: server.url, appId });
    apps.push(app);
    return app;
  };

  beforeEach(async (context) => {
    if (!storeAvailable(kind)) context.skip();
    server = await startTestServer({ kind });
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    await server?.stop();
  });

  class PaymentError extends Error {}
  class CardDeclinedError extends PaymentError {}

  describe("invocations over the worker stream", () => {
    it("runs a task and returns its result", async () => {
      const app = newApp("shop");
      const processOrder = app.task(
        "process_order",
        async ({
          orderId,
          amount,
          priority = "normal",
        }: {
          orderId: string;
          amount: number;
          priority?: string;
        }) => ({
          orderId,
          status: "completed",
          amount,
          priority,
        }),
      );
      await app.startWorker({ concurrency: 2 });
      const invocation = await processOrder.invoke({ orderId: "o1", amount: 10 });
      expect(await invocation.result()).toEqual({
        orderId: "o1",
        status: "completed",
        amount: 10,
        priority: "normal",
      });
      const info = await invocation.get();
      expect(info.status).toBe("SUCCESS");
      expect(info.attempt).toBe(1);
      expect(info.arguments).toEqual({ orderId: "o1", amount: 10 });
    });

    it("records a thrown error as FAILED with its type chain", async () => {
      const app = newApp("payments");
      const charge = app.task("charge", async () => {
        throw new CardDeclinedError("card declined");
      });
      await app.startWorker();
      const invocation = await charge.invoke({});
      const error = await invocation.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ remoteType: "CardDeclinedError", remoteMessage: "card declined" });
      expect((error as TaskFailedError).chain).toEqual(["CardDeclinedError", "PaymentError", "Error"]);
      expect(await invocation.status()).toBe("FAILED");
    });

    it("retries with backoff until the task succeeds", async () => {
      const app = newApp("flaky");
      let calls = 0;
      const flaky = app.task(
        "flaky",
        async () => {
          calls++;
          if (calls < 3) throw new TypeError(`attempt ${calls} failed`);
          return calls;
        },
        { retry: { maxRetries: 3, initialBackoffMs: 20, backoffMultiplier: 2 } },
      );
      await app.startWorker();
      const invocation = await flaky.invoke({});
      expect(await invocation.result()).toBe(3);
      expect((await invocation.get()).attempt).toBe(3);
      expect(calls).toBe(3);
    });

    it("fails for good once retries are exhausted, and skips errors outside retryOn", async () => {
      const app = newApp("exhaust");
      let always = 0;
      let other = 0;
      const alwaysFails = app.task(
        "always_fails",
        async () => {
          always++;
          throw new TypeError("nope");
        },
        { retry: { maxRetries: 2, initialBackoffMs: 1 } },
      );
      const notRetried = app.task(
        "not_retried",
        async () => {
          other++;
          throw new RangeError("out of range");
        },
        { retry: { maxRetries: 5, initialBackoffMs: 1, retryOn: [TypeError] } },
      );
      await app.startWorker();
      const [a, b] = await Promise.all([alwaysFails.invoke({}), notRetried.invoke({})]);
      await expect(a.result()).rejects.toThrow("TypeError: nope");
      await expect(b.result()).rejects.toThrow("RangeError: out of range");
      expect(always).toBe(3);
      expect(other).toBe(1);
      expect((await a.get()).attempt).toBe(3);
    });

    it.each([
      [0, 9],
      [2, 7],
    ])(
      "never runs more than concurrency at once, and holds at most prefetch %i more (%i left queued)",
      async (prefetch, queued) => {
        const app = newApp(`limits${prefetch}`);
        let running = 0;
        let peak = 0;
        const gate = deferred();
        const slow = app.task("slow", async () => {
          running++;
          peak = Math.max(peak, running);
          await gate.promise;
          running--;
          return "done";
        });
        await app.startWorker({ concurrency: 3, prefetch });
        const invocations = await Promise.all(Array.from({ length: 12 }, () => slow.invoke({})));
        await waitFor(() => running === 3, "three tasks running");
        const queuedNow = async () =>
          (await Promise.all(invocations.map((invocation) => invocation.status()))).filter(
            (status) => status === "REGISTERED",
          ).length;
        await waitFor(async () => (await queuedNow()) <= queued, `${3 + prefetch} handed to the worker`);
        expect(await queuedNow()).toBe(queued);
        gate.resolve();
        expect(await Promise.all(invocations.map((invocation) => invocation.result()))).toEqual(
          Array(12).fill("done"),
        );
        expect(peak).toBe(3);
      },
    );

    it("runs 2,000 concurrent invocations across 3 workers exactly once each", async () => {
      const runs = new Map<number, number>();
      const perWorker = [0, 0, 0];
      const workerApps = [0, 1, 2].map((w) => {
        const app = newApp("bulk");
        app.task("square", async ({ n }: { n: number }) => {
          runs.set(n, (runs.get(n) ?? 0) + 1);
          perWorker[w] = (perWorker[w] ?? 0) + 1;
          await new Promise((resolve) => setImmediate(resolve));
          return n * n;
        });
        return app;
      });
      for (const app of workerApps) await app.startWorker({ concurrency: 32 });
      const client = newApp("bulk-client");
      const invocations = await Promise.all(
        Array.from({ length: 2000 }, (_, n) => client.invoke<number>("square", { n })),
      );
      const results = await Promise.all(invocations.map((invocation) => invocation.result()));
      expect(results).toEqual(Array.from({ length: 2000 }, (_, n) => n * n));
      expect(runs.size).toBe(2000);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      expect(perWorker.reduce((a, b) => a + b, 0)).toBe(2000);
      expect(perWorker.every((count) => count > 0)).toBe(true);
    });

    it("streams every status change of an invocation (WatchInvocation)", async () => {
      const app = newApp("watched");
      const release = deferred();
      app.task("watched_job", async () => {
        await release.promise;
        return "done";
      });
      await app.register(); // no worker yet: the invocation waits, REGISTERED
      const invocation = await app.invoke("watched_job", {});
      const seen: string[] = [];
      const watching = (async () => {
        for await (const update of app.clients.invocations.watchInvocation({ id: invocation.id })) {
          const status = InvocationStatus[update.invocation?.status ?? 0] as string;
          seen.push(status);
          if (status === "RUNNING") release.resolve();
        }
      })();
      await waitFor(() => seen.length > 0, "the first update");
      await app.startWorker();
      await watching;
      expect(seen[0]).toBe("REGISTERED");
      expect(seen).toContain("RUNNING");
      expect(seen.at(-1)).toBe("SUCCESS");
    });

    it("finishes in-flight work during a graceful shutdown", async () => {
      const app = newApp("graceful");
      const release = deferred();
      let started = 0;
      const slow = app.task("slow_job", async ({ i }: { i: number }) => {
        started++;
        await release.promise;
        return i;
      });
      await app.startWorker({ concurrency: 5 });
      const invocations = await Promise.all([0, 1, 2, 3, 4].map((i) => slow.invoke({ i })));
      const results = Promise.all(invocations.map((invocation) => invocation.result()));
      await waitFor(() => started === 5, "five tasks started");
      const stopping = server.stop();
      // Draining starts at once: no new work, while the five running tasks still finish.
      expect(server.orchestrator.serving).toBe(false);
      release.resolve();
      expect(await results).toEqual([0, 1, 2, 3, 4]);
      await stopping;
    });
  });
});
