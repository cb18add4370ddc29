import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Code, ConnectError } from "@connectrpc/connect";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "../support/logs.js";
import { openRawWorker } from "../support/raw-worker.js";
import { startTestServer } from "../support/server.js";
import { overrideRole } from "../support/store-faults.js";
import { createStore, STORE_KINDS, storeAvailable } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

let server: NencServer | undefined;
let apps: Nenc[] = [];
let children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children = [];
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
  await server?.stop();
});

function newApp(appId: string): Nenc {
  const app = new Nenc({ url: server!.url, appId });
  apps.push(app);
  return app;
}

/** Starts test/fixtures/worker-process.ts and resolves once it is connected. */
async function spawnWorker(url: string, appId: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/worker-process.ts"], {
    env: { ...process.env, NENC_URL: url, NENC_APP_ID: appId },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const seen: string[] = [];
  lines.on("line", (line) => seen.push(line));
  await waitFor(() => seen.includes("READY"), "the worker process to connect", 30_000);
  return { child, seen };
}

describe("worker failures", () => {
  it("gives the work of a killed worker process to another worker, which runs it once", async () => {
    server = await startTestServer();
    const { child, seen } = await spawnWorker(server.url, "crash");
    const client = newApp("crash-client");
    const invocation = await client.invoke<string>("hang", { id: "job-1" });
    await waitFor(() => seen.includes("STARTED job-1"), "the task to start in the worker process");
    expect(await invocation.status()).toBe("RUNNING");

    child.kill("SIGKILL");
    const rescuer = newApp("crash");
    let runs = 0;
    rescuer.task("hang", async ({ id }: { id: string }) => {
      runs++;
      return `finished ${id}`;
    });
    await rescuer.startWorker({ concurrency: 1 });

    expect(await invocation.result()).toBe("finished job-1");
    expect(runs).toBe(1);
    const info = await invocation.get();
    expect(info.status).toBe("SUCCESS");
    expect(info.attempt).toBe(1);
  });

  it("takes the work back from a worker that stops heartbeating, and ignores its late result", async () => {
    const logs = recordingLogger();
    server = await startTestServer({
      logger: logs,
      // The silent stream stays open (so that its late result arrives): only its lease ends.
      orchestrator: {
        leaseMs: 300,
        heartbeatIntervalMs: 100,
        sweepIntervalMs: 50,
        closeSilentStreamsAfterMs: 60_000,
      },
    });
    const owner = newApp("silent");
    owner.task("job", async () => "from the healthy worker");
    await owner.register();

    // A worker that takes an assignment and then goes silent (no heartbeats, no result).
    const silent = openRawWorker(server.url);
    silent.send({
      case: "hello",
      value: { appId: "silent", workerId: "silent-1", concurrency: 1, taskIds: ["job"] },
    });
    expect((await silent.next()).message.case).toBe("welcome");
    const invocation = await owner.invoke<string>("job", {});
    const assigned = await silent.next();
    expect(assigned.message.case).toBe("assignment");
    const assignmentId = assigned.message.case === "assignment" ? assigned.message.value.assignmentId : "";

    let runs = 0;
    const healthy = newApp("silent");
    healthy.task("job", async () => {
      runs++;
      return "from the healthy worker";
    });
    await healthy.startWorker({ concurrency: 1 });
    expect(await invocation.result()).toBe("from the healthy worker");
    expect(runs).toBe(1);

    // The silent worker wakes up and reports: ignored.
    silent.send({
      case: "completed",
      value: { assignmentId, result: { kind: { case: "stringValue", value: "late" } } },
    });
    await waitFor(
      () => logs.find("warn", { assignmentId }).some((line) => line.message.startsWith("ignored a result")),
      "the orchestrator to ignore the late result",
    );
    const info = await invocation.get();
    expect(info.status).toBe("SUCCESS");
    expect(info.result).toBe("from the healthy worker");
    silent.close();
  });

  it("closes a stream that sends nothing, not even heartbeats; heartbeating workers stay", async () => {
    server = await startTestServer({
      orchestrator: {
        leaseMs: 300,
        heartbeatIntervalMs: 50,
        sweepIntervalMs: 50,
        closeSilentStreamsAfterMs: 600,
      },
    });
    const app = newApp("quiet");
    app.task("job", async () => "done");
    await app.startWorker({ concurrency: 1 });
    const mute = openRawWorker(server.url);
    mute.send({
      case: "hello",
      value: { appId: "quiet", workerId: "mute-1", concurrency: 1, taskIds: ["job"] },
    });
    expect((await mute.next()).message.case).toBe("welcome");
    const ended = ConnectError.from(await mute.ended);
    expect(ended.code).toBe(Code.Unavailable);
    expect(ended.rawMessage).toMatch(/^worker mute-1 sent nothing for \d+ ms \(heartbeats included\)/);
    // The SDK worker heartbeats: still connected well past the silence limit, it runs work.
    expect(await (await app.invoke<string>("job", {})).result()).toBe("done");
  });

  it("puts the work of a closed stream back in the queue at once", async () => {
    server = await startTestServer();
    const owner = newApp("closer");
    owner.task("job", async () => "done");
    await owner.register();
    const first = openRawWorker(server.url);
    first.send({
      case: "hello",
      value: { appId: "closer", workerId: "closer-1", concurrency: 2, taskIds: ["job"] },
    });
    await first.next();
    const invocation = await owner.invoke<string>("job", {});
    const assignment = await first.next();
    expect(assignment.message.case).toBe("assignment");
    first.close();
    await waitFor(
      async () => (await invocation.status()) === "REGISTERED",
      "the invocation back in the queue",
    );

    const second = openRawWorker(server.url);
    second.send({
      case: "hello",
      value: { appId: "closer", workerId: "closer-2", concurrency: 1, taskIds: ["job"] },
    });
    await second.next();
    const again = await second.next();
    expect(again.message.case).toBe("assignment");
    if (again.message.case !== "assignment") return;
    expect(again.message.value.invocationId).toBe(invocation.id);
    second.send({
      case: "completed",
      value: {
        assignmentId: again.message.value.assignmentId,
        result: { kind: { case: "numberValue", value: 7 } },
      },
    });
    expect(await invocation.result()).toBe(7);
    second.close();
  });
});

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))(
  "a worker gone during its hello, on %s",
  (kind) => {
    // A stream that ends while its hello is being admitted must not stay connected as a
    // ghost until its lease runs out (work would wait on it meanwhile).
    it("is not left connected, and work invoked after goes to a live worker", async () => {
      const gate = deferred();
      const entered = deferred();
      const store = overrideRole(await createStore(kind), "work", (work) => ({
        async connectWorker(...args: Parameters<typeof work.connectWorker>) {
          if (args[0].workerId === "ghost") {
            entered.resolve();
            await gate.promise;
          }
          return work.connectWorker(...args);
        },
      }));
      server = await startTestServer({ store, orchestrator: { leaseMs: 60_000 } });
      const app = newApp("hello-race");
      const echo = app.task("echo", async ({ n }: { n: number }) => n);
      await app.register();
      const raw = openRawWorker(server.url);
      raw.send({
        case: "hello",
        value: { appId: "hello-race", workerId: "ghost", concurrency: 1, taskIds: ["echo"] },
      });
      await entered.promise;
      raw.close();
      await raw.ended;
      gate.resolve();
      await waitFor(
        async () => (await server!.orchestrator.store.work.liveWorkers(Date.now())).length === 0 || undefined,
        "the ghost released (long before its 60 s lease)",
        5_000,
      );
      const invocation = await echo.invoke({ n: 5 });
      await app.startWorker();
      expect(await invocation.result()).toBe(5);
    });
  },
);
