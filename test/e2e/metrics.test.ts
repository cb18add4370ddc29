/**
 * The HTTP side port's /metrics (docs/design.md §5): a real workload on each store,
 * scraped over HTTP, with exact counts; gauges read from the store agree across
 * replicas; label values are capped.
 */
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { startReplica } from "../support/replicas.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

/** One scrape, as samples keyed `name{label="value",...}` (labels sorted), and the raw text. */
async function scrape(
  metricsUrl: string,
): Promise<{ text: string; value: (key: string) => number | undefined }> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = line.match(/^([a-z_:]+)(?:\{(.*)\})? (\S+)$/);
    if (!match) continue;
    const labels = (match[2] ?? "")
      .split(/,(?=[a-z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(",");
    samples.set(labels ? `${match[1]}{${labels}}` : (match[1] as string), Number(match[3]));
  }
  return { text, value: (key) => samples.get(key) };
}

describe.each(STORE_KINDS)("metrics on %s", (kind) => {
  let servers: NencServer[] = [];
  let apps: Nenc[] = [];
  let stops: Array<() => Promise<void>> = [];
  const prefix = uniquePrefix();

  beforeEach((context) => {
    if (!storeAvailable(kind)) context.skip();
  });

  afterEach(async () => {
    for (const app of apps) await app.close();
    for (const server of servers) await server.stop();
    for (const stop of stops) await stop();
    apps = [];
    servers = [];
    stops = [];
  });

  const start = async (options: Parameters<typeof startTestServer>[0] = {}) => {
    const server = await startTestServer({ kind, ...options });
    servers.push(server);
    return server;
  };
  const connect = (server: NencServer | string, appId: string) => {
    const app = new Nenc({ url: typeof server === "string" ? server : server.url, appId });
    apps.push(app);
    return app;
  };

  it("counts finals, evaluations and latencies of a workload exactly", async () => {
    const server = await start();
    const app = connect(server, "shop");
    const order = app.task("order", async ({ n }: { n: number }) => n);
    app.task("ship", async ({ n }: { n: number }) => n, {
      triggers: new TriggerBuilder().onSuccess(order).withArgsFromCel("{'n': result}"),
    });
    // No retry policy: the first failure is final.
    const boom = app.task("boom", async () => {
      throw new RangeError("no");
    });
    app.task("receipt", async () => "ok", {
      triggers: new TriggerBuilder().onEvent("paid", { payloadFilter: { ok: true } }),
    });
    await app.startWorker({ concurrency: 4 });
    for (const n of [1, 2, 3]) await (await order.invoke({ n })).result();
    await expect((await boom.invoke({})).result()).rejects.toThrow("no");
    await app.trigger.emitEvent("paid", { ok: false });
    await app.trigger.emitEvent("paid", { ok: true });
    await server.orchestrator.settled(20_000);
    const [shipTrigger] = await app.trigger.list({ targetTaskId: "ship" });
    const [receiptTrigger] = await app.trigger.list({ targetTaskId: "receipt" });
    await waitFor(
      async () => (await app.listInvocations({ taskId: "receipt" }))[0]?.status === "SUCCESS",
      "receipt",
    );
    await waitFor(
      async () =>
        (await app.listInvocations({ taskId: "ship" })).every((run) => run.status === "SUCCESS") &&
        (await app.listInvocations({ taskId: "ship" })).length === 3,
      "ships",
    );

    const { value, text } = await scrape(`${server.httpUrl}/metrics`);
    expect(value('nenc_invocations_total{status="SUCCESS",task="order"}')).toBe(3);
    expect(value('nenc_invocations_total{status="SUCCESS",task="ship"}')).toBe(3);
    expect(value('nenc_invocations_total{status="SUCCESS",task="receipt"}')).toBe(1);
    expect(value('nenc_invocations_total{status="FAILED",task="boom"}')).toBe(1);
    expect(value(`nenc_trigger_evaluations_total{outcome="fired",trigger="${shipTrigger?.id}"}`)).toBe(3);
    expect(value(`nenc_trigger_evaluations_total{outcome="fired",trigger="${receiptTrigger?.id}"}`)).toBe(1);
    expect(
      value(`nenc_trigger_evaluations_total{outcome="filtered_out",trigger="${receiptTrigger?.id}"}`),
    ).toBe(1);
    expect(value("nenc_trigger_latency_seconds_count")).toBe(4);
    // Every invocation's first delivery: 3 orders, 3 ships, 1 boom, 1 receipt.
    expect(value("nenc_dispatch_latency_seconds_count")).toBe(8);
    expect(value('nenc_workers_connected{app="shop"}')).toBe(1);
    expect(value('nenc_store_request_duration_seconds_count{op="work.fire"}')).toBe(4);
    expect(value('nenc_store_request_duration_seconds_count{op="work.finishAttempt"}')).toBe(8);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).not.toMatch(/inv_[0-9a-z]/);
  });

  it("times cron slots from their scheduled time", async () => {
    const server = await start();
    const app = connect(server, "clock");
    app.task("tick", async () => "tick", { triggers: new TriggerBuilder().onCron("* * * * * *") });
    await app.startWorker();
    await waitFor(
      async () => (await app.listInvocations({ taskId: "tick" })).length >= 2,
      "two cron slots",
      10_000,
    );
    const [cron] = await app.trigger.list({ targetTaskId: "tick" });
    await app.trigger.pause(cron?.id as string);
    await server.orchestrator.settled(20_000);
    const slots = (await app.listInvocations({ taskId: "tick" })).length;
    const { value } = await scrape(`${server.httpUrl}/metrics`);
    expect(value("nenc_cron_lag_seconds_count")).toBe(slots);
    expect(value(`nenc_trigger_evaluations_total{outcome="fired",trigger="${cron?.id}"}`)).toBe(slots);
    // A slot is claimed at its time: well under the grace, even on a busy test machine.
    expect(value('nenc_cron_lag_seconds_bucket{le="5"}')).toBe(slots);
    // Explain lists the coming slots, paused or not: five, a second apart.
    const explained = await fetch(`${server.httpUrl}/nenc.v1.TriggerService/ExplainTrigger`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: cron?.id }),
    });
    const { nextFireTimes } = (await explained.json()) as { nextFireTimes: string[] };
    const times = nextFireTimes.map((time) => Date.parse(time));
    expect(times.slice(1).map((time, i) => time - (times[i] as number))).toEqual([1000, 1000, 1000, 1000]);
  });

  it("reads queue depth and connected workers from the store: every replica says the same", async () => {
    // On Redis, two replica processes: the backlog is made on one, the worker connects to the other.
    const replicas =
      kind === "redis"
        ? await Promise.all([0, 1].map(() => startReplica(inject("redisUrl"), prefix)))
        : undefined;
    stops.push(...(replicas ?? []).map((replica) => () => replica.stop()));
    const server = replicas ? undefined : await start();
    const urls = replicas?.map((replica) => replica.url) ?? [server?.url as string, server?.url as string];
    const metricsUrls = replicas?.map((replica) => replica.metricsUrl) ?? [`${server?.httpUrl}/metrics`];
    const backlog = connect(urls[0] as string, "backlog");
    const waiting = backlog.task("waiting", async () => 1);
    await backlog.register();
    for (let i = 0; i < 5; i++) await waiting.invoke({ i });
    const busy = connect(urls[1] as string, "busy");
    busy.task("idle", async () => 1);
    await busy.startWorker();
    for (const metricsUrl of metricsUrls) {
      const { value } = await scrape(metricsUrl);
      expect(value('nenc_queue_depth{task="waiting"}')).toBe(5);
      expect(value('nenc_workers_connected{app="busy"}')).toBe(1);
      expect(value('nenc_workers_connected{app="backlog"}')).toBeUndefined();
    }
  });

  it("caps the distinct values of a label: the rest are reported as _other", async () => {
    const server = await start({ http: { maxLabelValues: 2 } });
    const app = connect(server, "many");
    const tasks = ["t1", "t2", "t3", "t4"].map((id) => app.task(id, async () => id));
    await app.startWorker({ concurrency: 4 });
    for (const task of tasks) await (await task.invoke({})).result();
    const { value } = await scrape(`${server.httpUrl}/metrics`);
    expect(value('nenc_invocations_total{status="SUCCESS",task="t1"}')).toBe(1);
    expect(value('nenc_invocations_total{status="SUCCESS",task="t2"}')).toBe(1);
    expect(value('nenc_invocations_total{status="SUCCESS",task="_other"}')).toBe(2);
  });
});

describe("the side port", () => {
  let server: NencServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("answers Connect JSON for the dashboard, refuses writes to /metrics, and is off with http: false", async () => {
    server = await startTestServer();
    const listed = await fetch(`${server.httpUrl}/nenc.v1.AppService/ListTasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({});
    expect((await fetch(`${server.httpUrl}/metrics`, { method: "POST" })).status).toBe(405);
    await server.stop();
    server = await startTestServer({ http: false });
    expect(server.httpUrl).toBeUndefined();
  });

  it("lists the live workers; read-only refuses every call that changes state, and still serves reads", async () => {
    server = await startTestServer({ http: { uiReadOnly: true } });
    const app = new Nenc({ url: server.url, appId: "listed" });
    app.task("job", async () => 1);
    await app.startWorker({ concurrency: 3 });
    try {
      const call = (method: string, body: unknown) =>
        fetch(`${server?.httpUrl}/${method}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const listed = await call("nenc.v1.AppService/ListWorkers", {});
      const { workers } = (await listed.json()) as { workers: Array<Record<string, unknown>> };
      expect(workers).toEqual([
        expect.objectContaining({
          appId: "listed",
          taskIds: ["job"],
          concurrency: 3,
          sdk: "typescript/0.1.0",
        }),
      ]);
      const emitted = await call("nenc.v1.EventService/EmitEvent", { code: "x" });
      expect(emitted.status).toBe(403);
      expect(await emitted.json()).toMatchObject({ code: "permission_denied" });
      expect((await call("nenc.v1.TriggerService/ListTriggers", {})).status).toBe(200);
      expect(await (await fetch(`${server.httpUrl}/ui/config.json`)).json()).toEqual({
        readOnly: true,
        auth: false,
      });
      // Hostile paths: a malformed escape is refused, a way out of the build is the app page, never a file.
      expect((await fetch(`${server.httpUrl}/ui/%E0%A4%A`)).status).toBe(400);
      const escaped = await fetch(`${server.httpUrl}/ui/..%2F..%2Fpackage.json`);
      expect(await escaped.text()).toContain('<div id="app">');
      expect((await call("nenc.v1.TriggerService/ListTriggers", {})).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
