/**
 * The dashboard in a real headless Chromium (docs/design.md §5): a real workload
 * (a chain, a filtered-out event, an AND join waiting on one side, a cron trigger,
 * a failure) on each store, then every page opened and checked for what a person
 * would look at; a click on pause; read-only mode. Screenshots of every page go
 * to test/artifacts/ (not committed).
 */
import { mkdirSync } from "node:fs";
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTokensFile } from "../support/auth.js";
import { chromiumPath, launchBrowser } from "../support/browser.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const ARTIFACTS = "test/artifacts";
const hasBrowser = chromiumPath() !== undefined;

/** The workload's ids, as the pages must show them. */
interface Workload {
  orders: string[];
  shipped: string[];
  failed: string;
  triggers: { ship: string; receipt: string; pack: string; tick: string };
}

async function runWorkload(app: Nenc, server: NencServer): Promise<Workload> {
  const order = app.task("order", async ({ n }: { n: number }) => n);
  app.task("ship", async ({ n }: { n: number }) => `shipped ${n}`, {
    triggers: new TriggerBuilder().onSuccess(order).withArgsFromCel("{'n': result}"),
  });
  app.task("receipt", async () => "receipt", {
    triggers: new TriggerBuilder().onEvent("paid", { payloadFilter: { ok: true } }),
  });
  app.task("pack", async () => "packed", {
    triggers: new TriggerBuilder().onSuccess(order).onEvent("packed").withLogic("and"),
  });
  app.task("tick", async () => "tick", { triggers: new TriggerBuilder().onCron("* * * * * *") });
  const boom = app.task("boom", async () => {
    throw new RangeError("the boom task always fails");
  });
  await app.startWorker({ concurrency: 4 });
  const orders: string[] = [];
  for (const n of [1, 2]) {
    const invocation = await order.invoke({ n });
    await invocation.result();
    orders.push(invocation.id);
  }
  const failed = await boom.invoke({});
  await expect(failed.result()).rejects.toThrow("always fails");
  await app.trigger.emitEvent("paid", { ok: false });
  await server.orchestrator.settled(20_000);
  const id = async (target: string) => (await app.trigger.list({ targetTaskId: target }))[0]?.id ?? "";
  const shipped = await waitFor(async () => {
    const runs = await app.listInvocations({ taskId: "ship" });
    return runs.length === 2 && runs.every((run) => run.status === "SUCCESS") && runs.map((run) => run.id);
  }, "both ships");
  await waitFor(async () => (await app.listInvocations({ taskId: "tick" })).length > 0, "a cron slot");
  // Last (they never finish): two invocations of a task no worker runs, the queue depth the overview shows.
  const idle = new Nenc({ url: server.url, appId: "idle" });
  const later = idle.task("later", async () => "later");
  await idle.register();
  await later.invoke({});
  await later.invoke({});
  await idle.close();
  return {
    orders,
    shipped,
    failed: failed.id,
    triggers: {
      ship: await id("ship"),
      receipt: await id("receipt"),
      pack: await id("pack"),
      tick: await id("tick"),
    },
  };
}

/** Opens a dashboard page and waits until `selector` shows; saves its screenshot. */
async function open(page: Page, url: string, selector: string, shot: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector(selector, { timeout: 15_000 });
  await page.screenshot({ path: `${ARTIFACTS}/${shot}.png`, fullPage: true });
}

const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

// A store this run cannot test (no redis-server) is left out; global-setup says so, loudly.
describe.skipIf(!hasBrowser).each(STORE_KINDS.filter(storeAvailable))("the dashboard on %s", (kind) => {
  let browser: Browser;
  let server: NencServer;
  let app: Nenc;
  let work: Workload;
  let page: Page;
  let ui: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer({ kind });
    ui = `${server.httpUrl}/ui`;
    app = new Nenc({ url: server.url, appId: "shop" });
    work = await runWorkload(app, server);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  it("overview: recent invocations, connected workers, the throughput chart", async () => {
    await open(page, `${ui}/`, "[data-testid=recent-invocations] [data-invocation]", `${kind}-overview`);
    const recent = await page
      .locator("[data-testid=recent-invocations] [data-invocation]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-invocation")));
    expect(recent).toEqual(expect.arrayContaining([...work.orders, work.failed]));
    await page.waitForSelector("[data-testid=connected-workers] [data-app=shop]");
    expect(await texts(page, "[data-testid=connected-workers] [data-app=shop] td")).toEqual(["shop", "1"]);
    expect(await texts(page, "[data-testid=queue-depth] [data-task=later] td")).toEqual(["later", "2"]);
    await page.waitForSelector("[data-testid=throughput-chart] canvas");
    // The store's activity: the one failure, and at least the two orders and their two ships (cron ticks run on).
    const totals = await page.locator("[data-testid=throughput-totals]").innerText();
    const [succeeded, failed] = (totals.match(/(\d+) succeeded, (\d+) failed/) ?? []).slice(1).map(Number);
    expect(failed).toBe(1);
    expect(succeeded).toBeGreaterThanOrEqual(4);
  });

  it("invocations: the list filters by task and status; a page shows provenance both ways", async () => {
    await open(
      page,
      `${ui}/invocations?task=order`,
      "[data-testid=invocations] [data-invocation]",
      `${kind}-invocations`,
    );
    const rows = page.locator("[data-testid=invocations] [data-invocation]");
    expect(
      (await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-invocation")))).sort(),
    ).toEqual([...work.orders].sort());
    await open(
      page,
      `${ui}/invocations?status=FAILED`,
      "[data-testid=invocations] [data-invocation]",
      `${kind}-failed`,
    );
    expect(await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-invocation")))).toEqual([
      work.failed,
    ]);

    const [first] = work.orders as [string];
    await open(
      page,
      `${ui}/invocations/${first}`,
      "[data-testid=caused] [data-effect]",
      `${kind}-invocation`,
    );
    expect(await page.locator("[data-testid=invocation-status]").innerText()).toBe("SUCCESS");
    expect(await page.locator("[data-testid=invocation-arguments]").innerText()).toContain('"n": 1');
    expect(await page.locator("[data-testid=invocation-result]").innerText()).toBe("1");
    expect(await page.locator("[data-testid=caused-by]").innerText()).toContain("invoked directly");
    // What it caused: the chain fired, the AND join waits for its other side.
    expect(await texts(page, `[data-effect="${work.triggers.ship}"] td:nth-child(3)`)).toEqual(["fired"]);
    expect(await texts(page, `[data-effect="${work.triggers.pack}"] td:nth-child(3)`)).toEqual(["waiting"]);

    const [ship] = work.shipped as [string];
    await open(page, `${ui}/invocations/${ship}`, "[data-testid=caused-by] li", `${kind}-triggered`);
    const causes = await page.locator("[data-testid=caused-by]").innerText();
    expect(causes).toContain(`trigger ${work.triggers.ship}`);
    expect(work.orders.some((id) => causes.includes(`invocation ${id}`))).toBe(true);

    await open(page, `${ui}/invocations/${work.failed}`, "[data-testid=error-type]", `${kind}-error`);
    expect(await page.locator("[data-testid=error-type]").innerText()).toBe("RangeError");
    expect(await page.locator("[data-testid=invocation-error]").innerText()).toContain(
      "the boom task always fails",
    );
    // Its one attempt: how it ended, and why.
    expect(await texts(page, "[data-testid=attempts] [data-attempt] td:nth-child(5)")).toEqual(["FAILED"]);
    expect(await page.locator("[data-testid=attempts] [data-attempt]").innerText()).toContain(
      "RangeError: the boom task always fails",
    );
  });

  it("triggers: the graph's nodes, each trigger's evaluations with reasons, pending AND state, next cron slots", async () => {
    await open(page, `${ui}/triggers`, "[data-testid=trigger-graph] [data-node]", `${kind}-triggers`);
    const nodes = await page
      .locator("[data-testid=trigger-graph] [data-node]")
      .evaluateAll((all) => all.map((node) => node.getAttribute("data-node")));
    expect(nodes.sort()).toEqual(
      [
        ...Object.values(work.triggers).map((id) => `trigger:${id}`),
        "task:order",
        "task:ship",
        "task:receipt",
        "task:pack",
        "task:tick",
        "event:paid",
        "event:packed",
        "cron:* * * * * *",
      ].sort(),
    );

    await open(
      page,
      `${ui}/triggers/${work.triggers.receipt}`,
      "[data-testid=evaluations] tr[data-outcome]",
      `${kind}-trigger-filtered`,
    );
    const outcome = page.locator("[data-testid=evaluations] tr[data-outcome=filtered_out]");
    expect(await outcome.count()).toBe(1);
    expect(await outcome.innerText()).toContain("filtered_out");

    await open(
      page,
      `${ui}/triggers/${work.triggers.pack}`,
      "[data-testid=pending] [data-pending]",
      `${kind}-trigger-pending`,
    );
    // Each order's SUCCESS waits for its "packed" event: two partial matches.
    expect(await texts(page, "[data-testid=pending] [data-pending] td:nth-child(3)")).toEqual([
      "event packed",
      "event packed",
    ]);
    expect(await page.locator("[data-testid=evaluations] tr[data-outcome=waiting]").count()).toBe(2);

    await open(
      page,
      `${ui}/triggers/${work.triggers.tick}`,
      "[data-testid=next-fire-times] li",
      `${kind}-trigger`,
    );
    expect(await page.locator("[data-testid=next-fire-times] li").count()).toBe(5);
    expect(await page.locator("[data-testid=trigger-state]").innerText()).toBe("active");
    await page.click("[data-testid=pause]");
    await page.waitForSelector("[data-testid=trigger-state]:text-is('paused')");
    await page.waitForSelector("[data-testid=resume]");
    const [tick] = await app.trigger.list({ targetTaskId: "tick" });
    expect(tick?.paused).toBe(true);
  });

  it("events: emitted from the form, listed, replayed; workers: their SDK, tasks and load", async () => {
    await open(page, `${ui}/events`, "[data-testid=events] [data-event]", `${kind}-events`);
    await page.fill("input[name=code]", "paid");
    await page.fill("textarea[name=payload]", '{"ok": true}');
    await page.click("[data-testid=emit]");
    const notice = await page.waitForSelector("[data-testid=notice]");
    const eventId = ((await notice.innerText()).match(/emitted (evt_\S+)/) ?? [])[1] as string;
    expect(eventId).toMatch(/^evt_/);
    await page.waitForSelector(`[data-event="${eventId}"]`);
    const receipts = await waitFor(async () => {
      const runs = await app.listInvocations({ taskId: "receipt" });
      return runs.length === 1 && runs;
    }, "the receipt the emitted event fired");
    await page.click(`[data-testid="replay-${eventId}"]`);
    await page.waitForSelector("[data-testid=notice]:has-text('replayed 1 event')");
    // A replay never fires a trigger twice for one event: the receipt trigger deduplicates it.
    await waitFor(async () => {
      const { evaluations } = await app.trigger.explain(work.triggers.receipt);
      return evaluations.some((e) => e.occurrenceId === eventId && e.outcome === "deduplicated");
    }, "the replay's deduplicated evaluation");
    expect((await app.listInvocations({ taskId: "receipt" })).map((run) => run.id)).toEqual(
      receipts.map((r) => r.id),
    );

    await open(page, `${ui}/workers`, "[data-testid=app-shop] [data-worker]", `${kind}-workers`);
    expect(await texts(page, "[data-testid=app-shop] [data-testid=worker-sdk]")).toEqual([
      "typescript/0.1.0",
    ]);
    expect(await page.locator("[data-testid=app-shop] [data-worker] td:nth-child(3)").innerText()).toBe(
      "order, ship, receipt, pack, tick, boom",
    );
  });
});

describe.skipIf(!hasBrowser)("the dashboard, read-only", () => {
  let browser: Browser;
  let server: NencServer;
  let app: Nenc;

  beforeAll(async () => {
    server = await startTestServer({ http: { uiReadOnly: true } });
    app = new Nenc({ url: server.url, appId: "viewer" });
    app.task("job", async () => 1, { triggers: new TriggerBuilder().onEvent("go") });
    await app.register();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  it("hides every action", async () => {
    const page = await browser.newPage();
    const [trigger] = await app.trigger.list({ targetTaskId: "job" });
    await open(
      page,
      `${server.httpUrl}/ui/triggers/${trigger?.id}`,
      "[data-testid=trigger-state]",
      "read-only-trigger",
    );
    await page.waitForSelector("[data-testid=read-only]");
    expect(await page.locator("[data-testid=pause], [data-testid=delete]").count()).toBe(0);
    await open(page, `${server.httpUrl}/ui/events`, "[data-testid=events]", "read-only-events");
    expect(await page.locator("[data-testid=emit-form]").count()).toBe(0);
  });
});

describe.skipIf(!hasBrowser)("the dashboard, with tokens", () => {
  let browser: Browser;
  let server: NencServer;
  let app: Nenc;
  let secrets: Record<string, string>;

  beforeAll(async () => {
    const tokens = writeTokensFile({ viewer: ["read"], shop: ["client:shop", "worker:shop"] });
    secrets = tokens.secrets;
    server = await startTestServer({ authTokensFile: tokens.file });
    app = new Nenc({ url: server.url, appId: "shop", token: secrets.shop });
    const job = app.task("job", async () => 1);
    await app.startWorker();
    await (await job.invoke({})).result();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  it("asks for a token, refuses one that cannot read, shows the pages with one that can, and signs out", async () => {
    const page = await browser.newPage();
    await open(page, `${server.httpUrl}/ui/`, "[data-testid=sign-in]", "sign-in");
    expect(await page.locator("[data-testid=recent-invocations]").count()).toBe(0);
    const signIn = async (token: string) => {
      await page.fill("[data-testid=token]", token);
      await page.click("[data-testid=sign-in] button[type=submit]");
    };
    await signIn("nenc_not-a-token");
    await page.waitForSelector("[data-testid=sign-in-problem]");
    expect(await page.locator("[data-testid=sign-in-problem]").innerText()).toBe(
      "This token is not known to the orchestrator, or it expired.",
    );
    await signIn(secrets.shop as string);
    await page.waitForSelector("[data-testid=sign-in-problem]:has-text('cannot read')");
    await signIn(secrets.viewer as string);
    await page.waitForSelector("[data-testid=recent-invocations] [data-invocation]");
    // The overview's /metrics read carries the token too.
    await page.waitForSelector("[data-testid=connected-workers] [data-app=shop]");
    await page.screenshot({ path: `${ARTIFACTS}/signed-in.png`, fullPage: true });
    await page.click("[data-testid=sign-out]");
    await page.waitForSelector("[data-testid=sign-in]");
  });
});
