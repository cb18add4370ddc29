/**
 * nenc benchmark: `npm run bench` (full, ≤ 6 min on 2 cores), `npm run bench -- --quick`
 * (≤ 2 min), `npm run bench -- --soak` (10 minutes of steady load, memory sampled).
 * `--no-metrics` runs the orchestrators without their metrics (to measure what they cost).
 * Options: `--only a,b,...` runs some scenarios (latency, throughput, events, cron, failover, startup),
 * `--profile` writes V8 CPU profiles of the orchestrator processes to
 * bench/results/tmp/profiles, `--out DIR` writes the results elsewhere.
 *
 * Every scenario runs on nenc with the memory store, nenc on Redis, and BullMQ on the
 * same redis-server (started here on an ephemeral port, stopped at the end); failover
 * runs on two `nenc serve --redis` replicas only. Counts
 * are checked exactly (no lost, no duplicate work); the process exits 1 when a check
 * fails, never because of a timing.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BACKENDS, createContext } from "./lib/context.js";
import { machineInfo } from "./lib/machine.js";
import { type BenchRedis, redisServerVersion, startRedis } from "./lib/redis.js";
import { writeReports } from "./lib/report.js";
import { cronPlan, runCron, selectCronCases } from "./scenarios/cron.js";
import { runEventEvaluation } from "./scenarios/event-evaluation.js";
import { runFailover } from "./scenarios/failover.js";
import { runMetricsCost } from "./scenarios/metrics-cost.js";
import { runSoak } from "./scenarios/soak.js";
import { runStartup } from "./scenarios/startup.js";
import { runThroughput } from "./scenarios/throughput.js";
import { runTriggerLatency } from "./scenarios/trigger-latency.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ALL = ["latency", "throughput", "events", "cron", "failover", "startup"] as const;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    soak: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    out: { type: "string" },
    "soak-minutes": { type: "string" },
    /** Only some cron cases, e.g. "nenc-memory:1000,bullmq:10000" (development). */
    "cron-cases": { type: "string" },
    /** Cron with 30 s / 10 s windows and budgets of minutes (not part of the default run). */
    "long-cron": { type: "boolean", default: false },
    /** Orchestrators without the HTTP side port and its metrics: what the metrics cost. */
    "no-metrics": { type: "boolean", default: false },
  },
  allowPositionals: false,
});

const selected = values.soak
  ? []
  : values.only
    ? values.only.split(",").map((name) => name.trim())
    : [...ALL];
for (const name of selected) {
  if (!(ALL as readonly string[]).includes(name)) {
    console.error(`--only: unknown scenario "${name}"; choose from ${ALL.join(", ")}`);
    process.exit(2);
  }
}
const cronMode = values.quick ? "quick" : values["long-cron"] ? "long" : "full";
let plan = cronPlan(cronMode);
try {
  const cases = values["cron-cases"]?.split(",").map((item) => item.trim());
  if (cases) plan = selectCronCases(cronMode, cases);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
// The soak writes its own report, beside the benchmark's.
const outDir = values.out ?? join(HERE, "results", ...(values.soak ? ["soak"] : []));
// Scratch space (CPU profiles), never committed.
const tmpDir = join(HERE, "results", "tmp");
mkdirSync(tmpDir, { recursive: true });
mkdirSync(outDir, { recursive: true });
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;

// Interrupted (Ctrl-C, timeout): exit through process.exit so that the exit handlers kill every
// process this run started (orchestrators, replicas, redis-server).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`benchmark interrupted (${signal}); stopping what it started`);
    process.exit(130);
  });
}

const startedAt = new Date();
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const wallStart = performance.now();
let redis: BenchRedis | undefined;
let failure: unknown;
const redisVersion = redisServerVersion();
redis = await startRedis();
const ctx = createContext({
  quick: values.quick,
  metrics: !values["no-metrics"],
  redis,
  profileDir: values.profile ? join(tmpDir, "profiles") : undefined,
});
ctx.log(
  `redis-server ${redisVersion} on ${redis.url}; mode ${values.soak ? "soak" : values.quick ? "quick" : "full"}`,
);
const timings: Record<string, number> = {};
try {
  const timed = async (name: string, body: () => Promise<void>) => {
    const t = performance.now();
    await body();
    timings[name] = (performance.now() - t) / 1000;
  };
  if (selected.includes("latency")) await timed("latency", () => runTriggerLatency(ctx, BACKENDS));
  if (selected.includes("throughput")) {
    await timed("throughput", () => runThroughput(ctx, BACKENDS));
    // What the metrics cost: only in a full run, where windows are long enough to tell.
    if (!values.quick && ctx.metrics) await timed("metrics cost", () => runMetricsCost(ctx));
  }
  if (selected.includes("events")) await timed("events", () => runEventEvaluation(ctx));
  if (selected.includes("cron")) {
    // The run's time limit (5 min full, 60 s quick), minus the time to write the reports and exit.
    const finishBy = Date.now() - (performance.now() - wallStart) + (values.quick ? 46_000 : 286_000);
    await timed("cron", () => runCron(ctx, plan, values["long-cron"] ? Number.POSITIVE_INFINITY : finishBy));
  }
  // After cron, whose budgets count from the start of the run; ~45 s (the store's 30 s reclaim is waited for).
  if (selected.includes("failover")) await timed("failover", () => runFailover(ctx));
  if (selected.includes("startup")) await timed("startup", () => runStartup(ctx));
  if (values.soak) await timed("soak", () => runSoak(ctx, Number(values["soak-minutes"] ?? 10)));
} catch (error) {
  failure = error;
  console.error(error);
  ctx.check("run", "-", "the benchmark ran to the end", false, String(error));
} finally {
  await redis.stop();
}

// The soak is a run of its own (10 minutes): the report quotes its last result.
const soakFile = join(HERE, "results", "soak", "latest.json");
if (!values.soak && existsSync(soakFile)) {
  try {
    const soak = JSON.parse(readFileSync(soakFile, "utf8")) as {
      meta: { startedAt: string; machine: { gitCommit: string } };
      results: { soak?: unknown };
    };
    if (soak.results.soak)
      ctx.results.lastSoak = {
        ...(soak.results.soak as object),
        at: soak.meta.startedAt,
        commit: soak.meta.machine.gitCommit,
      };
  } catch {
    // An unreadable soak report is simply not quoted.
  }
}

const totalSeconds = (performance.now() - wallStart) / 1000;
const machine = machineInfo(redisVersion);
writeReports(ctx, {
  outDir,
  command,
  startedAt,
  totalSeconds,
  timings,
  machine,
  loadAverageAtStart,
  mode: values.soak ? "soak" : values.quick ? "quick" : "full",
  scenarios: selected,
});
const failed = ctx.checks.filter((check) => !check.ok);
ctx.log(
  `done in ${totalSeconds.toFixed(1)} s; ${ctx.checks.length - failed.length}/${ctx.checks.length} checks passed; results in ${outDir}`,
);
process.exit(failed.length > 0 || failure ? 1 : 0);
