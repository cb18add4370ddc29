/**
 * `--soak`: minutes of steady load on one orchestrator on Redis, sampling its RSS and
 * heap and Redis `used_memory` every 5 s (memory bounded by retention:
 * docs/design.md §2.8). The load mixes
 * every trigger kind at ~100 invocations/s: 30 invocations/s of a task whose SUCCESS
 * triggers another, 20 events/s each triggering a task, and 20 cron triggers on
 * `* * * * * *`. Retention is set low enough to be reached early in the run
 * (20,000 finished invocations, 10,000 events, markers kept 2 minutes), so that from
 * then on memory must stay flat. Verdict: the mean of the last 20 % of the run
 * against the mean of the 20 % around its midpoint (after the warm-up), each
 * within +10 %.
 */
import { TriggerBuilder } from "@nenc/sdk";
import { type BenchClients, benchClients, emitEvent, invoke, registerApp } from "../lib/clients.js";
import type { BenchContext } from "../lib/context.js";
import { type ChildOrchestrator, startChildOrchestrator } from "../lib/orchestrator.js";
import { RawWorker } from "../lib/raw-worker.js";
import { usedMemory } from "../lib/redis.js";
import { sleep } from "../lib/stats.js";

/** Memory at one moment of the soak, and the runs seen so far. */
export interface SoakSample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  redisMiB: number;
  runs: number;
}

/** The soak's samples and verdict: `flat` when neither RSS nor Redis memory grew past 10 %. */
export interface SoakResult {
  minutes: number;
  description: string;
  samples: SoakSample[];
  perMinute: SoakSample[];
  rssGrowth: number;
  redisGrowth: number;
  flat: boolean;
  verdict: string;
}

const MiB = 1024 * 1024;

/** Low enough to be reached early in the run, so that from then on memory must stay flat. */
const RETENTION = {
  maxFinishedInvocations: 20_000,
  maxEvents: 10_000,
  eventRetentionMs: 120_000,
  markerRetentionMs: 120_000,
};

/** Runs seen by the worker: per number `n` for the kinds checked exactly once, a count for cron. */
interface RunTally {
  sources: Map<number, number>;
  chained: Map<number, number>;
  evented: Map<number, number>;
  cronRuns: number;
  runs: number;
}

/** One task per trigger kind: a SUCCESS chain, an event, and 20 cron triggers every second. */
async function registerSoakApp(clients: BenchClients): Promise<void> {
  await registerApp(clients, "soak", [
    { name: "soak_source" },
    {
      name: "soak_chained",
      triggers: [new TriggerBuilder().onSuccess("soak_source").withArgsFromCel("{'n': arguments.n}")],
    },
    {
      name: "soak_event",
      triggers: [new TriggerBuilder().onEvent("soak.evt").withArgsFromCel("{'n': payload.n}")],
    },
    {
      name: "soak_cron",
      triggers: Array.from({ length: 20 }, (_, k) =>
        new TriggerBuilder()
          .onCron("* * * * * *")
          .withArgsStatic({ k })
          .withArgsFromCel("{'slot': scheduledTime}"),
      ),
    },
  ]);
}

/** A raw worker for every soak task, counting what it is given into `tally`. */
function startTallyWorker(url: string, tally: RunTally): Promise<RawWorker> {
  return RawWorker.start({
    url,
    appId: "soak",
    taskIds: ["soak_source", "soak_chained", "soak_event", "soak_cron"],
    concurrency: 64,
    onAssignment(assignment) {
      tally.runs++;
      const n = Number(assignment.arguments?.n);
      const bump = (map: Map<number, number>) => map.set(n, (map.get(n) ?? 0) + 1);
      if (assignment.taskId === "soak_source") bump(tally.sources);
      else if (assignment.taskId === "soak_chained") bump(tally.chained);
      else if (assignment.taskId === "soak_event") bump(tally.evented);
      else tally.cronRuns++;
    },
  });
}

/** Samples orchestrator RSS and heap and Redis used_memory every 5 s until `end`, logging once a minute. */
async function sampleMemory(
  ctx: BenchContext,
  orchestrator: ChildOrchestrator,
  tally: RunTally,
  started: number,
  end: number,
): Promise<SoakSample[]> {
  const samples: SoakSample[] = [];
  while (Date.now() < end) {
    const usage = await orchestrator.call<{ memory: NodeJS.MemoryUsage }>("usage");
    const sample = {
      minute: (Date.now() - started) / 60_000,
      rssMiB: usage.memory.rss / MiB,
      heapMiB: usage.memory.heapUsed / MiB,
      redisMiB: (await usedMemory(ctx.redis.admin)) / MiB,
      runs: tally.runs,
    };
    samples.push(sample);
    if (samples.length % 12 === 0)
      ctx.log(
        `  soak ${sample.minute.toFixed(1)} min: RSS ${sample.rssMiB.toFixed(0)} MiB, heap ${sample.heapMiB.toFixed(0)} MiB, Redis ${sample.redisMiB.toFixed(1)} MiB, ${tally.runs} runs`,
      );
    await sleep(5_000);
  }
  return samples;
}

/** The steady load until `end`: 10 ticks per second, 3 invocations and 2 events each. */
async function driveLoad(
  clients: BenchClients,
  started: number,
  end: number,
): Promise<{ invoked: number; emitted: number }> {
  let invoked = 0;
  let emitted = 0;
  for (let tick = 0; Date.now() < end; tick++) {
    // Ticks are scheduled from the start, so a slow tick is caught up rather than the rate drifting.
    const due = started + tick * 100;
    if (due > Date.now()) await sleep(due - Date.now());
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3; i++) calls.push(invoke(clients, "soak_source", { n: invoked++ }));
    for (let i = 0; i < 2; i++) calls.push(emitEvent(clients, "soak.evt", { n: emitted++ }));
    await Promise.all(calls);
  }
  return { invoked, emitted };
}

/** Checks that every invocation, chained run and event run happened exactly once. */
function checkExactlyOnce(ctx: BenchContext, tally: RunTally, invoked: number, emitted: number): void {
  const count = (map: Map<number, number>, total: number) => {
    let missing = 0;
    let duplicated = 0;
    for (let n = 0; n < total; n++) {
      const c = map.get(n) ?? 0;
      if (c === 0) missing++;
      else if (c > 1) duplicated++;
    }
    return { missing, duplicated };
  };
  for (const [what, map, total] of [
    ["invoked source", tally.sources, invoked],
    ["triggered by SUCCESS", tally.chained, invoked],
    ["triggered by event", tally.evented, emitted],
  ] as const) {
    const { missing, duplicated } = count(map, total);
    ctx.check(
      "soak",
      "nenc-redis",
      `every ${what} task ran exactly once`,
      missing === 0 && duplicated === 0,
      `${total} expected: ${missing} missing, ${duplicated} duplicated`,
    );
  }
}

/** Growth of the last 20 % of the run over the 20 % around its midpoint (past the warm-up); flat when both ≤ 10 %. */
function soakResult(
  minutes: number,
  description: string,
  samples: SoakSample[],
  tally: RunTally,
): SoakResult {
  const mean = (from: number, to: number, pick: (s: SoakSample) => number) => {
    const chosen = samples.filter((s) => s.minute >= from && s.minute < to);
    return chosen.reduce((sum, s) => sum + pick(s), 0) / Math.max(1, chosen.length);
  };
  const midA = minutes * 0.4;
  const midB = minutes * 0.6;
  const lastA = minutes * 0.8;
  const rssGrowth = mean(lastA, minutes + 1, (s) => s.rssMiB) / mean(midA, midB, (s) => s.rssMiB) - 1;
  const redisGrowth = mean(lastA, minutes + 1, (s) => s.redisMiB) / mean(midA, midB, (s) => s.redisMiB) - 1;
  const flat = rssGrowth <= 0.1 && redisGrowth <= 0.1;
  const perMinute = samples.filter((_, i) => i % 12 === 0 || i === samples.length - 1);
  return {
    minutes,
    description,
    samples,
    perMinute,
    rssGrowth,
    redisGrowth,
    flat,
    verdict: `${flat ? "flat" : "growing"}: orchestrator RSS ${(rssGrowth * 100).toFixed(1)} %, Redis used_memory ${(redisGrowth * 100).toFixed(1)} % (mean of the last 20 % of the run vs the 20 % around its midpoint); ${tally.cronRuns} cron runs, ${tally.runs} runs in all`,
  };
}

/**
 * The `--soak` scenario: `minutes` of steady mixed load on one Redis orchestrator while
 * memory is sampled; stores the verdict in `ctx.results.soak`.
 */
export async function runSoak(ctx: BenchContext, minutes: number): Promise<void> {
  const orchestrator = await startChildOrchestrator({
    redisUrl: ctx.redis.url,
    redisPrefix: "soak",
    retention: RETENTION,
    ...(ctx.profileDir ? { profile: { dir: ctx.profileDir, name: "soak" } } : {}),
  });
  const clients = benchClients(orchestrator.url);
  const tally: RunTally = {
    sources: new Map(),
    chained: new Map(),
    evented: new Map(),
    cronRuns: 0,
    runs: 0,
  };
  await registerSoakApp(clients);
  const worker = await startTallyWorker(orchestrator.url, tally);
  const description = `${minutes} min on one orchestrator (Redis store), ~100 invocations/s: 30/s invoked (each triggering one more on SUCCESS), 20 events/s (each triggering one run), 20 cron triggers every second; retention ${JSON.stringify(RETENTION)}.`;
  ctx.log(`soak: ${description}`);
  const started = Date.now();
  const end = started + minutes * 60_000;
  const sampler = sampleMemory(ctx, orchestrator, tally, started, end);
  const { invoked, emitted } = await driveLoad(clients, started, end);
  const samples = await sampler;
  // Dropping the triggers stops the cron load (it never ends by itself), so the orchestrator can settle.
  await registerApp(clients, "soak", [{ name: "soak_source" }]);
  await orchestrator.call("settled", { timeoutMs: 60_000 }).catch(() => undefined);
  await sleep(300);
  await worker.stop();
  clients.close();
  await orchestrator.stop();
  checkExactlyOnce(ctx, tally, invoked, emitted);
  const result = soakResult(minutes, description, samples, tally);
  ctx.log(`soak: ${result.verdict}`);
  ctx.results.soak = result;
}
