/**
 * (b) Dispatch throughput, invoke → worker → SUCCESS, at worker concurrency 1, 16 and
 * 64 (BullMQ: a Worker with the same concurrency). The worker is the idiomatic one
 * on both sides (the @nenc/sdk worker from `app.startWorker`, BullMQ's Worker) with a
 * task that does nothing. One producer in the same process keeps work queued ahead
 * of the worker (at most 32 invoke/add calls in flight, at most max(2×concurrency, 64)
 * jobs not yet done), so the worker is never starved; jobs/s is measured over a
 * steady window after a warm-up. Afterwards every job must have run exactly once and
 * reached SUCCESS.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Nenc } from "@nenc/sdk";
import { Queue, Worker } from "bullmq";
import { bullConnection, flushRedis, startNenc } from "../lib/backends.js";
import { type Backend, type BenchContext, withCommandStats } from "../lib/context.js";
import type { ChildOrchestrator } from "../lib/orchestrator.js";
import { cpuSeconds } from "../lib/proc.js";
import { sleep } from "../lib/stats.js";
import { type ProfileSummary, summarizeProfile } from "../profile-summary.js";

/** Scratch space for the profile (bench/results/tmp, never committed). */
const PROFILE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "results", "tmp", "profiles");

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const SCENARIO = "throughput";
const MAX_CALLS_IN_FLIGHT = 32;

export interface ThroughputRun {
  cpu: Record<string, number>;
  produced: number;
  ran: Map<number, number>;
  windowCompleted: number;
  windowSeconds: number;
  succeeded: number;
}

/** Produces until `stopAt`, keeping the worker fed; counts completions inside [windowFrom, stopAt]. */
class Pump {
  produced = 0;
  completed = 0;
  windowCompleted = 0;
  readonly ran = new Map<number, number>();
  private wake?: () => void;

  /** CPU share (of one core) each process used during the window. */
  readonly cpu: Record<string, number> = {};

  constructor(
    private readonly backlog: number,
    private readonly windowFrom: number,
    private readonly stopAt: number,
    pids: Record<string, number> = {},
  ) {
    const sample = () => {
      const out: Record<string, number> = { "benchmark process (workers, producer)": ownCpuSeconds() };
      for (const [name, pid] of Object.entries(pids)) out[name] = cpuSeconds(pid);
      return out;
    };
    let first: Record<string, number> = {};
    setTimeout(() => {
      first = sample();
    }, windowFrom - performance.now()).unref();
    setTimeout(() => {
      const last = sample();
      const seconds = (stopAt - windowFrom) / 1000;
      for (const name of Object.keys(last))
        this.cpu[name] = ((last[name] ?? 0) - (first[name] ?? 0)) / seconds;
    }, stopAt - performance.now()).unref();
  }

  /** What the run measured, once every job ended. */
  result(succeeded: number): ThroughputRun {
    return {
      cpu: this.cpu,
      produced: this.produced,
      ran: this.ran,
      windowCompleted: this.windowCompleted,
      windowSeconds: (this.stopAt - this.windowFrom) / 1000,
      succeeded,
    };
  }

  /** The task body: records the job. */
  done(n: number): void {
    this.ran.set(n, (this.ran.get(n) ?? 0) + 1);
    this.completed++;
    const now = performance.now();
    if (now >= this.windowFrom && now <= this.stopAt) this.windowCompleted++;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async produce(submit: (n: number) => Promise<unknown>): Promise<void> {
    const lanes = Array.from({ length: MAX_CALLS_IN_FLIGHT }, async () => {
      while (performance.now() < this.stopAt) {
        if (this.produced - this.completed >= this.backlog) {
          await new Promise<void>((resolve) => {
            const previous = this.wake;
            this.wake = () => {
              previous?.();
              resolve();
            };
            setTimeout(resolve, 50);
          });
          continue;
        }
        const n = this.produced++;
        await submit(n);
      }
    });
    await Promise.all(lanes);
  }
}

/** One measured run of `orchestrator` at `concurrency` (jobs/s over the window: see ThroughputRun). */
export async function nencRun(
  ctx: BenchContext,
  orchestrator: ChildOrchestrator,
  backend: Exclude<Backend, "bullmq">,
  concurrency: number,
  warmupMs: number,
  windowMs: number,
  /** False for the profiled repetition: its Redis commands are not counted. */
  countCommands = true,
): Promise<ThroughputRun> {
  const app = new Nenc({ url: orchestrator.url, appId: `throughput${concurrency}` });
  const taskId = `tp_${concurrency}`;
  const start = performance.now();
  const pump = new Pump(Math.max(2 * concurrency, 64), start + warmupMs, start + warmupMs + windowMs, {
    orchestrator: orchestrator.pid,
    ...(backend === "nenc-redis" ? { "redis-server": ctx.redis.pid } : {}),
  });
  app.task(taskId, async ({ n }: { n: number }) => {
    pump.done(n);
    return null;
  });
  const worker = await app.startWorker({ concurrency });
  try {
    await orchestrator.call("armSuccess", { target: null });
    const run = async () => {
      await pump.produce((n) => app.invoke(taskId, { n }));
      const { count } = await orchestrator.call<{ count: number }>("awaitSuccess", {
        target: pump.produced,
        timeoutMs: 60_000,
      });
      return count;
    };
    const succeeded = countCommands
      ? await withCommandStats(
          ctx,
          `${SCENARIO} (concurrency ${concurrency})`,
          backend,
          "job",
          () => pump.produced,
          run,
          orchestrator,
        )
      : await run();
    await sleep(100);
    return pump.result(succeeded);
  } finally {
    await worker.stop();
    await app.close();
  }
}

async function bullRun(
  ctx: BenchContext,
  concurrency: number,
  warmupMs: number,
  windowMs: number,
): Promise<ThroughputRun> {
  await flushRedis(ctx);
  const name = `throughput${concurrency}`;
  const connection = bullConnection(ctx);
  const queue = new Queue(name, {
    connection,
    defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: { count: 100_000 } },
  });
  const start = performance.now();
  const pump = new Pump(Math.max(2 * concurrency, 64), start + warmupMs, start + warmupMs + windowMs, {
    "redis-server": ctx.redis.pid,
  });
  let succeeded = 0;
  const worker = new Worker(
    name,
    async (job) => {
      pump.done(Number(job.data.n));
      return null;
    },
    { connection, concurrency },
  );
  worker.on("completed", () => {
    succeeded++;
  });
  await worker.waitUntilReady();
  try {
    await withCommandStats(
      ctx,
      `${SCENARIO} (concurrency ${concurrency})`,
      "bullmq",
      "job",
      () => pump.produced,
      async () => {
        await pump.produce((n) => queue.add("job", { n }));
        const deadline = Date.now() + 60_000;
        while (succeeded < pump.produced && Date.now() < deadline) await sleep(5);
      },
    );
    await sleep(100);
    return pump.result(succeeded);
  } finally {
    await worker.close();
    await queue.close();
  }
}

/** Checks that every job of a run ran exactly once and reached SUCCESS. */
export function checkRun(ctx: BenchContext, what: string, backend: Backend, run: ThroughputRun): void {
  const duplicates = [...run.ran.values()].filter((count) => count > 1).length;
  const missing = run.produced - run.ran.size;
  ctx.check(
    what,
    backend,
    "every job ran exactly once and reached SUCCESS",
    duplicates === 0 && missing === 0 && run.succeeded === run.produced,
    `${run.produced} jobs: ${run.ran.size} ran, ${duplicates} ran twice, ${missing} never ran, ${run.succeeded} SUCCESS`,
  );
}

/** The profiled case: the orchestrator on Redis at this concurrency. */
const PROFILED = { backend: "nenc-redis", concurrency: 64 } as const;

export interface ThroughputProfile {
  backend: string;
  concurrency: number;
  /** Of the profiled repetition (the profiler slows it a little; the measured row is the one without). */
  jobsPerSecond: number;
  profiledSeconds: number;
  /** Main-thread time that was not idle (GC and I/O threads are not in a V8 CPU profile). */
  busyMs: number;
  top: ProfileSummary["top"];
  inclusive: ProfileSummary["inclusive"];
  byFile: ProfileSummary["byFile"];
}

/**
 * Runs the profiled case once more with the orchestrator's V8 profiler on (through
 * IPC, for that run only), after the measured runs: the profiler's overhead does not
 * touch the figures, and the profile shows where the orchestrator's time per job goes.
 */
async function profiledRun(
  ctx: BenchContext,
  orchestrator: ChildOrchestrator,
  warmupMs: number,
  windowMs: number,
): Promise<ThroughputProfile> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const path = join(PROFILE_DIR, `throughput-${PROFILED.backend}-c${PROFILED.concurrency}.cpuprofile`);
  ctx.log(
    `(b) throughput, concurrency ${PROFILED.concurrency}, ${PROFILED.backend}, once more with a CPU profile`,
  );
  await orchestrator.call("profileStart");
  const started = performance.now();
  let run: ThroughputRun;
  try {
    run = await nencRun(ctx, orchestrator, PROFILED.backend, PROFILED.concurrency, warmupMs, windowMs, false);
  } finally {
    await orchestrator.call("profileStop", { path });
  }
  checkRun(ctx, `${SCENARIO} concurrency ${PROFILED.concurrency}, profiled`, PROFILED.backend, run);
  const summary = summarizeProfile(path, 10);
  return {
    ...PROFILED,
    jobsPerSecond: run.windowCompleted / run.windowSeconds,
    profiledSeconds: (performance.now() - started) / 1000,
    busyMs: summary.totalMs - summary.idleMs,
    top: summary.top,
    inclusive: summary.inclusive,
    byFile: summary.byFile,
  };
}

export async function runThroughput(ctx: BenchContext, backends: readonly Backend[]): Promise<void> {
  const levels = [1, 16, 64];
  const warmupMs = ctx.quick ? 150 : 1_000;
  const windowMs = ctx.quick ? 500 : 2_500;
  const rows: Array<{
    backend: Backend;
    concurrency: number;
    jobsPerSecond: number;
    jobs: number;
    cpuShare: Record<string, number>;
  }> = [];
  for (const backend of backends) {
    const orchestrator = backend === "bullmq" ? undefined : await startNenc(ctx, backend, SCENARIO);
    for (const [index, concurrency] of levels.entries()) {
      ctx.log(`(b) throughput, concurrency ${concurrency}, ${backend}`);
      // The first level also warms up a freshly started orchestrator (JIT): a longer warm-up.
      const warmup = index === 0 ? warmupMs * 2.5 : warmupMs;
      const run = orchestrator
        ? await nencRun(
            ctx,
            orchestrator,
            backend as Exclude<Backend, "bullmq">,
            concurrency,
            warmup,
            windowMs,
          )
        : await bullRun(ctx, concurrency, warmup, windowMs);
      checkRun(ctx, `${SCENARIO} concurrency ${concurrency}`, backend, run);
      const jobsPerSecond = run.windowCompleted / run.windowSeconds;
      const cpu = Object.entries(run.cpu)
        .map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`)
        .join(", ");
      ctx.log(`    ${jobsPerSecond.toFixed(0)} jobs/s (${run.produced} jobs in all); CPU: ${cpu}`);
      rows.push({ backend, concurrency, jobsPerSecond, jobs: run.produced, cpuShare: run.cpu });
    }
    if (orchestrator && backend === PROFILED.backend)
      ctx.results.throughputProfile = await profiledRun(ctx, orchestrator, warmupMs, windowMs);
    await orchestrator?.stop();
  }
  ctx.results.throughput = rows;
}
