/**
 * A store that lost its data is noticed and recovered from (docs/design.md §2.7): Redis flushed,
 * or restarted without persistence, under two replicas and a TypeScript worker.
 * Health answers NOT_SERVING until the worker registered again, then SERVING; the
 * declared trigger fires again; events emitted while the registry was gone fire
 * exactly once once it is back; the loss is logged as an error with counts of what
 * cannot come back. A Redis restart with persistence is no loss: no NOT_SERVING,
 * no re-registration.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { Redis } from "ioredis";
import { type NencServer, startNencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const LOSS =
  "the store lost its data: connected workers are asked to register again; runtime triggers and invocations cannot come back";
const BACK = "serving again: the registry is back after the store lost its data";

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/** Two replicas on one Redis, each with its own log and its Health statuses as pushed by Watch. */
interface Deployment {
  redis: RedisServer;
  logs: RecordingLogger[];
  /** Every status each replica's Health Watch pushed, in order. */
  statuses: Status[][];
  app: Nenc;
  /** Runs of the triggered task by the `n` of the event that caused them. */
  runs: Map<number, number>;
}

async function deploy(appendonly: boolean): Promise<Deployment> {
  const redis = await startRedisServer({ appendonly });
  cleanups.push(() => redis.stop());
  const prefix = uniquePrefix();
  const logs: RecordingLogger[] = [];
  const statuses: Status[][] = [];
  const servers: NencServer[] = [];
  for (let i = 0; i < 2; i++) {
    const logger = recordingLogger();
    const server = await startNencServer({
      port: 0,
      logger,
      redisUrl: redis.url,
      redisPrefix: prefix,
      reclaimAfterMs: 1500,
    });
    cleanups.push(() => server.stop());
    logs.push(logger);
    servers.push(server);
    statuses.push(watchHealth(server.url));
  }
  const app = new Nenc({ url: (servers[0] as NencServer).url, appId: "refill" });
  cleanups.push(() => app.close());
  const runs = new Map<number, number>();
  app.task(
    "on_ping",
    async ({ n }: { n: number }) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      return n;
    },
    { triggers: new TriggerBuilder().onEvent("ping").withArgsFromCel("{'n': payload.n}") },
  );
  await app.startWorker({ concurrency: 4 });
  // A runtime trigger: no worker declares it, so it cannot come back.
  await app.trigger.onEvent("pong").withArgsFromCel("{'n': payload.n}").register("on_ping");
  await waitFor(() => statuses.every((seen) => seen.length === 1), "both Health watches to answer");
  return { redis, logs, statuses, app, runs };
}

/** Collects what Health Watch pushes for the whole server until the test ends. */
function watchHealth(url: string): Status[] {
  const seen: Status[] = [];
  const sessions = new Http2SessionManager(url);
  const health = createClient(Health, createGrpcTransport({ baseUrl: url, sessionManager: sessions }));
  const abort = new AbortController();
  void (async () => {
    for await (const response of health.watch({ service: "" }, { signal: abort.signal }))
      seen.push(response.status);
  })().catch(() => undefined);
  cleanups.push(async () => {
    abort.abort();
    sessions.abort();
  });
  return seen;
}

async function pingAndWait(deployment: Deployment, n: number): Promise<void> {
  await deployment.app.trigger.emitEvent("ping", { n });
  await waitFor(() => deployment.runs.get(n) === 1, `the trigger to fire for ping ${n}`, 30_000);
}

/** Waits until both replicas said NOT_SERVING, then SERVING again. */
async function recovered(deployment: Deployment): Promise<void> {
  const expected = [Status.SERVING, Status.NOT_SERVING, Status.SERVING];
  await waitFor(
    () => deployment.statuses.every((seen) => seen.length >= 3),
    "both replicas to go NOT_SERVING and back to SERVING",
    30_000,
  );
  expect(deployment.statuses).toEqual([expected, expected]);
}

/** What each replica logged about the loss: the worker was connected to the first one. */
function expectLossLogged(deployment: Deployment): void {
  const [first, second] = deployment.logs as [RecordingLogger, RecordingLogger];
  const census = { tasks: 1, declaredTriggers: 1, runtimeTriggers: 1, assignmentsRunning: 0 };
  const lines = (log: RecordingLogger) => log.lines.filter((line) => line.message === LOSS);
  // Reasons, not lines: a failure shows why each loss was seen.
  expect(lines(first).map((line) => line.fields.reason)).toEqual([expect.any(String)]);
  expect(lines(first)[0]?.fields).toMatchObject({
    ...census,
    appsAwaited: ["refill"],
    workerStreamsClosed: 1,
  });
  expect(lines(first)[0]?.fields.runtimeTriggerIds).toHaveLength(1);
  expect(lines(second).map((line) => line.fields.reason)).toEqual([expect.any(String)]);
  expect(lines(second)[0]?.fields).toMatchObject({ ...census, appsAwaited: [], workerStreamsClosed: 0 });
  // Back: the declared trigger and the task, not the runtime trigger.
  for (const log of deployment.logs) {
    expect(log.lines.filter((line) => line.message === BACK).map((line) => line.fields)).toMatchObject([
      { tasks: 1, triggers: 1 },
    ]);
  }
  expect(
    first.find("info", { appId: "refill" }).filter((line) => line.message === "worker connected"),
  ).toHaveLength(2);
}

describe.skipIf(!storeAvailable("redis"))("a store that lost its data", () => {
  it("FLUSHALL: NOT_SERVING until the worker registered again; events of the gap fire exactly once; the loss is logged with counts", async () => {
    const deployment = await deploy(false);
    await pingAndWait(deployment, 1);
    const raw = new Redis(deployment.redis.url);
    cleanups.push(() => raw.quit());

    await raw.flushall();
    // Emitted before or after the replicas noticed: stored either way, fired once the triggers are back.
    await deployment.app.trigger.emitEvent("ping", { n: 2 });
    await waitFor(
      () => deployment.statuses.every((seen) => seen.at(-1) === Status.NOT_SERVING),
      "both replicas to notice the loss",
    );
    await deployment.app.trigger.emitEvent("ping", { n: 3 });
    await recovered(deployment);
    await waitFor(
      () => deployment.runs.get(2) === 1 && deployment.runs.get(3) === 1,
      "the gap's events to fire",
    );

    await pingAndWait(deployment, 4); // the declared trigger fires again
    expect([...deployment.runs]).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(
      (await deployment.app.listInvocations({ taskId: "on_ping", limit: 100 }))
        .map((run) => run.arguments.n)
        .sort(),
    ).toEqual([2, 3, 4]);
    expectLossLogged(deployment);
  });

  it("Redis restarted without persistence: the same recovery", async () => {
    const deployment = await deploy(false);
    await pingAndWait(deployment, 1);

    await deployment.redis.kill();
    await deployment.redis.restart();
    await waitFor(
      () => deployment.statuses.every((seen) => seen.at(-1) === Status.NOT_SERVING),
      "both replicas to notice the loss",
      15_000,
    );
    await deployment.app.trigger.emitEvent("ping", { n: 2 });
    await recovered(deployment);
    await waitFor(() => deployment.runs.get(2) === 1, "the gap's event to fire");

    await pingAndWait(deployment, 3);
    expect([...deployment.runs]).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expectLossLogged(deployment);
  });

  it("Redis restarted with persistence: no loss, so no NOT_SERVING and no re-registration", async () => {
    const deployment = await deploy(true);
    await pingAndWait(deployment, 1);

    await deployment.redis.kill();
    await deployment.redis.restart();
    // The replicas are back on Redis once a check-in answered after the restart.
    await waitFor(
      () =>
        deployment.logs.every((log) =>
          log.lines.some((line) => line.message.startsWith("store notices may")),
        ),
      "both replicas to reconnect to Redis",
      15_000,
    );
    await pingAndWait(deployment, 2);

    expect(deployment.statuses).toEqual([[Status.SERVING], [Status.SERVING]]);
    for (const log of deployment.logs) {
      expect(log.lines.filter((line) => line.message === LOSS || line.message === BACK)).toEqual([]);
    }
    const [first] = deployment.logs as [RecordingLogger];
    expect(first.lines.filter((line) => line.message === "worker connected")).toHaveLength(1);
    expect([...deployment.runs]).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});
