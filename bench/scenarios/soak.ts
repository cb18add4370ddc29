/**
 * `--soak`: minutes of steady load on one orchestrator on Redis, sampling its RSS and
 * heap and Redis `used_memory` every 5 s (memory bounded by retention:
 * docs/design.md §2.8). The load mixes
 * every trigger kind at ~100 invocations/s: 30 invocations/s of a task whose SUCCESS
 * triggers another, 20 events/s each triggering a task, and 20 cron triggers on
 * `* * * * * *`. Retention is set low enough to be reached early in the run
 * (20,000 finished invocations, 10,000 events, markers kept 2 minutes), so that from
 * then on memory must stay flat. Verdict: the mean of the last quarter of the run
 * against the mean of the quarter before the midpoint (after the warm-up), each
 * within +10 %.
 */
import { TriggerBuilder } from "@nenc/sdk";
import { benchClients, emitEvent, invoke, registerApp } from "../lib/clients.js";
import type { BenchContext } from "../lib/context.js";
import { startChildOrchestrator } from "../lib/orchestrator.js";
import { RawWorker } from "../lib/raw-worker.js";
import { usedMemory } from "../lib/redis.js";
import { sleep } from "../lib/stats.js";

export interface SoakSample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  redisMiB: number;
  runs: number;
}

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

export async function runSoak(ctx: BenchContext, minutes: number): Promise<void> {
  const retention = {
    maxFinishedInvocations: 20_000,
    maxEvents: 10_000,
    eventRetentionMs: 120_000,
    markerRetentionMs: 120_000,
  };
  const orchestrator = await startChildOrchestrator({
    redisUrl: ctx.redis.url,
    redisPrefix: "soak",
    retention,
    ...(ctx.profileDir ? { profile: { dir: ctx.profileDir, name: "soak" } } : {}),
  });
  const clients = benchClients(orchestrator.url);
  const sources = new Map<number, number>();
  const chained = new Map<number, number>();
  const evented = new Map<number, number>();
  let cronRuns = 0;
  let runs = 0;
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
  const worker = await RawWorker.start({
    url: orchestrator.url,
    appId: "soak",
    taskIds: ["soak_source", "soak_chained", "soak_event", "soak_cron"],
    concurrency: 64,
    onAssignment(assignment) {
      runs++;
      const n = Number(assignment.arguments?.n);
      const bump = (map: Map<number, number>) => map.set(n, (map.get(n) ?? 0) + 1);
      if (assignment.taskId === "soak_source") bump(sources);
      else if (assignment.taskId === "soak_chained") bump(chained);
      else if (assignment.taskId === "soak_event") bump(evented);
      else cronRuns++;
    },
  });
  const description = `${minutes} min on one orchestrator (Redis store), ~100 invocations/s: 30/s invoked (each triggering one more on SUCCESS), 20 events/s (each triggering one run), 20 cron triggers every second; retention ${JSON.stringify(retention)}.`;
  ctx.log(`soak: ${description}`);
  const started = Date.now();
  const end = started + minutes * 60_000;
  let invoked = 0;
  let emitted = 0;
  const samples: SoakSample[] = [];
  const sampler = (async () => {
    while (Date.now() < end) {
      const usage = await orchestrator.call<{ memory: NodeJS.MemoryUsage }>("usage");
      const sample = {
        minute: (Date.now() - started) / 60_000,
        rssMiB: usage.memory.rss / MiB,
        heapMiB: usage.memory.heapUsed / MiB,
        redisMiB: (await usedMemory(ctx.redis.admin)) / MiB,
        runs,
      };
      samples.push(sample);
      if (samples.length % 12 === 0)
        ctx.log(
          `  soak ${sample.minute.toFixed(1)} min: RSS ${sample.rssMiB.toFixed(0)} MiB, heap ${sample.heapMiB.toFixed(0)} MiB, Redis ${sample.redisMiB.toFixed(1)} MiB, ${runs} runs`,
        );
      await sleep(5_000);
    }
  })();
  // 10 ticks per second: 3 invocations and 2 events each.
  for (let tick = 0; Date.now() < end; tick++) {
    const due = started + tick * 100;
    if (due > Date.now()) await sleep(due - Date.now());
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3; i++) calls.push(invoke(clients, "soak_source", { n: invoked++ }));
    for (let i = 0; i < 2; i++) calls.push(emitEvent(clients, "soak.evt", { n: emitted++ }));
    await Promise.all(calls);
  }
  await sampler;
  await registerApp(clients, "soak", [{ name: "soak_source" }]);
  await orchestrator.call("settled", { timeoutMs: 60_000 }).catch(() => undefined);
  await sleep(300);
  await worker.stop();
  clients.close();
  await orchestrator.stop();

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
    ["invoked source", sources, invoked],
    ["triggered by SUCCESS", chained, invoked],
    ["triggered by event", evented, emitted],
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
  const result: SoakResult = {
    minutes,
    description,
    samples,
    perMinute,
    rssGrowth,
    redisGrowth,
    flat,
    verdict: `${flat ? "flat" : "growing"}: orchestrator RSS ${(rssGrowth * 100).toFixed(1)} %, Redis used_memory ${(redisGrowth * 100).toFixed(1)} % (mean of the last 20 % of the run vs the 20 % around its midpoint); ${cronRuns} cron runs, ${runs} runs in all`,
  };
  ctx.log(`soak: ${result.verdict}`);
  ctx.results.soak = result;
}
