/**
 * (c) Event evaluation with 10, 10,000 and 100,000 unrelated triggers registered
 * (half on event codes nobody emits, half on SUCCESS of tasks nobody invokes; added
 * through the orchestrator's in-process API, see orchestrator-child.ts). One trigger
 * listens to the emitted code: `onEvent("bench.evt").withArgsFromCel("{'seq': payload.seq}")`.
 * Latency: EmitEvent called → the triggered invocation's assignment arrives at a raw
 * worker (both stamps in this process), events emitted one at a time. Throughput:
 * events emitted with 32 calls in flight until every one was delivered. Every event
 * must trigger exactly one run.
 *
 * BullMQ has no trigger evaluation; its row is the plain queue path (Queue.add →
 * processor start) for reference.
 */
import { TriggerBuilder } from "@nenc/sdk";
import { Queue, Worker } from "bullmq";
import { waitFor } from "../../test/support/wait.js";
import { bullConnection, flushRedis, startNenc } from "../lib/backends.js";
import { type BenchClients, benchClients, emitEvent, registerApp } from "../lib/clients.js";
import { type Backend, type BenchContext, withCommandStats } from "../lib/context.js";
import type { ChildOrchestrator } from "../lib/orchestrator.js";
import { waitForQuiet } from "../lib/proc.js";
import { RawWorker } from "../lib/raw-worker.js";
import { type Summary, sleep, summarize, wallNow } from "../lib/stats.js";

const SCENARIO = "event-evaluation";
const CODE = "bench.evt";
const CALLS_IN_FLIGHT = 32;

/** One row of table (c): a backend at one level of unrelated triggers. */
export interface EventRow {
  backend: Backend;
  unrelatedTriggers: number;
  /** Seconds it took to register the unrelated triggers added for this level (and to calm down). */
  registerSeconds: number;
  latencyMs: Summary;
  eventsPerSecond: number;
  events: number;
}

interface Delivery {
  sentAt: Map<number, number>;
  delivered: Map<number, number>;
  samples: number[];
  waiters: Map<number, () => void>;
}

/**
 * Emits events one at a time for latency (the first `warmup` not sampled), then a burst
 * with CALLS_IN_FLIGHT calls in flight for throughput. Returns the next unused seq as `last`.
 */
async function measure(
  emit: (seq: number) => Promise<unknown>,
  delivery: Delivery,
  firstSeq: number,
  sequential: number,
  warmup: number,
  burst: number,
  withStats: <T>(body: () => Promise<T>) => Promise<T>,
): Promise<{ latency: Summary; samples: number[]; eventsPerSecond: number; last: number }> {
  let seq = firstSeq;
  delivery.samples.length = 0;
  for (let i = 0; i < sequential; i++) {
    const current = seq++;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<void>((resolve) => {
      delivery.waiters.set(current, resolve);
      timer = setTimeout(resolve, 15_000);
    });
    delivery.sentAt.set(current, wallNow());
    await emit(current);
    await arrived;
    clearTimeout(timer);
    if (i < warmup) delivery.samples.length = 0;
  }
  const samples = [...delivery.samples];
  const latency = summarize(samples);
  const from = seq;
  const to = seq + burst;
  seq = to;
  const started = performance.now();
  const eventsPerSecond = await withStats(async () => {
    let next = from;
    await Promise.all(
      Array.from({ length: CALLS_IN_FLIGHT }, async () => {
        while (next < to) {
          const current = next++;
          delivery.sentAt.set(current, wallNow());
          await emit(current);
        }
      }),
    );
    await waitFor(
      () => {
        for (let s = from; s < to; s++) if (!delivery.delivered.has(s)) return false;
        return true;
      },
      "every event of the burst to be delivered",
      60_000,
      5,
    ).catch(() => undefined);
    return burst / ((performance.now() - started) / 1000);
  });
  return { latency, samples, eventsPerSecond, last: seq };
}

function newDelivery(): Delivery {
  return { sentAt: new Map(), delivered: new Map(), samples: [], waiters: new Map() };
}

/** Counts a delivery; only the first delivery of a seq is sampled, a second one is a duplicate. */
function record(delivery: Delivery, seq: number, at: number): void {
  const count = (delivery.delivered.get(seq) ?? 0) + 1;
  delivery.delivered.set(seq, count);
  const sent = delivery.sentAt.get(seq);
  if (count === 1 && sent !== undefined) delivery.samples.push(at - sent);
  delivery.waiters.get(seq)?.();
  delivery.waiters.delete(seq);
}

function verify(
  ctx: BenchContext,
  backend: Backend,
  label: string,
  delivery: Delivery,
  emitted: number,
): void {
  const duplicates = [...delivery.delivered.values()].filter((count) => count > 1).length;
  let missing = 0;
  for (let s = 0; s < emitted; s++) if (!delivery.delivered.has(s)) missing++;
  ctx.check(
    `${SCENARIO} ${label}`,
    backend,
    "every event triggered exactly one run",
    duplicates === 0 && missing === 0,
    `${emitted} events: ${delivery.delivered.size} triggered runs, ${duplicates} duplicated, ${missing} missing`,
  );
}

/** How many events each level emits: one at a time (the first `warmup` not sampled), then a burst. */
interface EventSizes {
  sequential: number;
  warmup: number;
  burst: number;
}

/** What every level of one nenc backend shares: one orchestrator, its clients, one delivery log. */
interface NencEventRun {
  ctx: BenchContext;
  backend: Exclude<Backend, "bullmq">;
  orchestrator: ChildOrchestrator;
  clients: BenchClients;
  delivery: Delivery;
  sizes: EventSizes;
}

/** One level: `triggers` unrelated triggers in all, `fillers` of them added now; `charted` levels feed the chart. */
interface EventLevel {
  triggers: number;
  fillers: number;
  tag: string;
  charted: boolean;
}

/** Adds the level's unrelated triggers, waits for calm, then measures event latency and throughput. */
async function measureLevel(
  run: NencEventRun,
  level: EventLevel,
  firstSeq: number,
): Promise<{ row: EventRow; last: number }> {
  const { ctx, backend, orchestrator, sizes } = run;
  const started = Date.now();
  await orchestrator.call("fillers", { count: level.fillers, tag: level.tag, via: "registerApp" });
  // Registration leaves refreshes behind (change notices): measure once the orchestrator is idle.
  await waitForQuiet([orchestrator.pid], 0.15, 300, 30_000);
  const registerSeconds = (Date.now() - started) / 1000;
  ctx.log(
    `(c) event evaluation, ${level.triggers} unrelated triggers (registered in ${registerSeconds.toFixed(1)} s), ${backend}`,
  );
  const label = `${level.triggers} unrelated triggers`;
  const result = await measure(
    (n) => emitEvent(run.clients, CODE, { seq: n }),
    run.delivery,
    firstSeq,
    sizes.sequential,
    sizes.warmup,
    sizes.burst,
    (body) =>
      withCommandStats(
        ctx,
        `${SCENARIO} (${label})`,
        backend,
        "event",
        () => sizes.burst,
        body,
        orchestrator,
      ),
  );
  if (level.charted)
    ctx.series.push({
      panel: "(c) Event emitted → triggered task delivered",
      label: `${backend}, ${level.triggers.toLocaleString("en-US")} triggers`,
      backend,
      samples: result.samples,
    });
  ctx.log(
    `    p50 ${result.latency.p50.toFixed(2)} ms  p90 ${result.latency.p90.toFixed(2)}  p99 ${result.latency.p99.toFixed(2)}; ${result.eventsPerSecond.toFixed(0)} events/s`,
  );
  const row: EventRow = {
    backend,
    unrelatedTriggers: level.triggers,
    registerSeconds,
    latencyMs: result.latency,
    eventsPerSecond: result.eventsPerSecond,
    events: sizes.sequential + sizes.burst,
  };
  return { row, last: result.last };
}

/**
 * One nenc backend through every level on one orchestrator: unrelated triggers only
 * accumulate, so each level adds the difference to the one before.
 */
async function nencEvents(
  ctx: BenchContext,
  backend: Exclude<Backend, "bullmq">,
  levels: readonly number[],
  sizes: EventSizes,
): Promise<EventRow[]> {
  const orchestrator = await startNenc(ctx, backend, SCENARIO);
  const clients = benchClients(orchestrator.url);
  const delivery = newDelivery();
  const run: NencEventRun = { ctx, backend, orchestrator, clients, delivery, sizes };
  const rows: EventRow[] = [];
  let worker: RawWorker | undefined;
  try {
    await registerApp(clients, "events", [
      {
        name: "evt_target",
        triggers: [new TriggerBuilder().onEvent(CODE).withArgsFromCel("{'seq': payload.seq}")],
      },
    ]);
    worker = await RawWorker.start({
      url: orchestrator.url,
      appId: "events",
      taskIds: ["evt_target"],
      concurrency: 64,
      onAssignment(assignment, receivedAt) {
        record(delivery, Number(assignment.arguments?.seq), receivedAt);
      },
    });
    let registered = 0;
    let seq = 0;
    for (const [index, triggers] of levels.entries()) {
      const charted = index === 0 || index === levels.length - 1;
      const level = { triggers, fillers: triggers - registered, tag: `l${index}`, charted };
      const measured = await measureLevel(run, level, seq);
      registered = triggers;
      seq = measured.last;
      rows.push(measured.row);
    }
    await orchestrator.call("settled", { timeoutMs: 30_000 });
    await sleep(200);
    verify(ctx, backend, "all levels", delivery, seq);
    return rows;
  } finally {
    await worker?.stop();
    clients.close();
    await orchestrator.stop();
  }
}

/** BullMQ reference: the plain queue path, Queue.add → processor start, no trigger evaluation. */
async function bullEvents(ctx: BenchContext, sizes: EventSizes): Promise<EventRow> {
  await flushRedis(ctx);
  const connection = bullConnection(ctx);
  const queue = new Queue("events", {
    connection,
    defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: { count: 100_000 } },
  });
  const delivery = newDelivery();
  const worker = new Worker(
    "events",
    async (job) => {
      record(delivery, Number(job.data.seq), wallNow());
      return null;
    },
    { connection, concurrency: 64 },
  );
  await worker.waitUntilReady();
  try {
    ctx.log("(c) reference: BullMQ Queue.add → processor start (no trigger evaluation)");
    const result = await measure(
      (n) => queue.add("evt", { seq: n }),
      delivery,
      0,
      sizes.sequential,
      sizes.warmup,
      sizes.burst,
      (body) =>
        withCommandStats(ctx, `${SCENARIO} (queue add reference)`, "bullmq", "job", () => sizes.burst, body),
    );
    ctx.series.push({
      panel: "(c) Event emitted → triggered task delivered",
      label: "bullmq Queue.add → processor (reference)",
      backend: "bullmq",
      samples: result.samples,
    });
    ctx.log(
      `    p50 ${result.latency.p50.toFixed(2)} ms  p90 ${result.latency.p90.toFixed(2)}  p99 ${result.latency.p99.toFixed(2)}; ${result.eventsPerSecond.toFixed(0)} jobs/s`,
    );
    await sleep(200);
    verify(ctx, "bullmq", "queue add reference", delivery, result.last);
    return {
      backend: "bullmq",
      unrelatedTriggers: 0,
      registerSeconds: 0,
      latencyMs: result.latency,
      eventsPerSecond: result.eventsPerSecond,
      events: sizes.sequential + sizes.burst,
    };
  } finally {
    await worker.close();
    await queue.close();
  }
}

/** Scenario (c): event latency and throughput on both nenc stores at each trigger level, then BullMQ. */
export async function runEventEvaluation(ctx: BenchContext): Promise<void> {
  const levels = ctx.quick ? [10, 10_000] : [10, 10_000, 100_000];
  const sizes = ctx.quick
    ? { sequential: 60, warmup: 20, burst: 100 }
    : { sequential: 400, warmup: 100, burst: 1_000 };
  const rows: EventRow[] = [];
  for (const backend of ["nenc-memory", "nenc-redis"] as const)
    rows.push(...(await nencEvents(ctx, backend, levels, sizes)));
  rows.push(await bullEvents(ctx, sizes));
  ctx.results.eventEvaluation = rows;
}
