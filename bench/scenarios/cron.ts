/**
 * (d) Second-level cron: N triggers on `* * * * * *` (6 fields) for a window of
 * whole seconds. Each trigger passes its number and the cron context's
 * scheduledTime as arguments (`withArgsStatic({n}).withArgsFromCel("{'slot': scheduledTime}")`);
 * the worker stamps the assignment's arrival: lag = arrival − scheduled instant.
 * Every slot of the window must run exactly once for every trigger (misses and
 * duplicates are counted and checked). Runs on nenc (memory, Redis, three
 * `nenc serve --redis` replicas with a worker on each) and on BullMQ job schedulers
 * (`upsertJobScheduler` with the same pattern; lag = processor start − the job's
 * scheduled time, which BullMQ puts in the job id).
 */

import type { Assignment } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { TriggerBuilder } from "@nenc/sdk";
import { Queue, Worker } from "bullmq";
import { waitFor } from "../../test/support/wait.js";
import { bullConnection, flushRedis, startNenc } from "../lib/backends.js";
import { benchClients, registerApp, type TaskDeclaration } from "../lib/clients.js";
import { type BenchContext, withCommandStats } from "../lib/context.js";
import { type ChildOrchestrator, type Replica, startReplica } from "../lib/orchestrator.js";
import { cpuSeconds } from "../lib/proc.js";
import { RawWorker } from "../lib/raw-worker.js";
import { type Summary, sleep, summarize, wallNow } from "../lib/stats.js";

const SCENARIO = "cron";
const PATTERN = "* * * * * *";
/** Triggers per RegisterApp call (one app each): see the report on larger registrations. */
const TRIGGERS_PER_APP = 5_000;
/** Worker concurrency, in total, on every backend. */
const CRON_CONCURRENCY = 256;
/** From the end of registration to the first slot of the window, at least. */
const WINDOW_LEAD_MS = 2_500;

export type CronBackend = "nenc-memory" | "nenc-redis" | "nenc-redis ×3" | "bullmq";

export interface CronRunResult {
  backend: CronBackend;
  triggers: number;
  windowSeconds: number;
  expected: number;
  ranInWindow: number;
  duplicates: number;
  /** Slots of the window that did not run (BullMQ: skipped; nenc: see late and lost). */
  misses: number;
  /** nenc: slots not run when the case budget ran out but possibly still queued in the store. */
  late?: number;
  /** nenc: slots provably lost (more missing than the store still held). */
  lost?: number;
  lagMs: Summary;
  /** From the last slot of the window to the last expected run. */
  drainSeconds: number;
  /** Expected runs / (last expected run − first slot). */
  firingsPerSecond: number;
  workerConcurrency: number;
  checkedExactlyOnce: boolean;
  /** False when the case budget ran out before the window could start. */
  measured: boolean;
  /** Slot runs delivered during the case (before, in and after the window), their rate, and the lag of the last one. */
  allRuns?: number;
  runsPerSecond?: number;
  lastRunLagMs?: number;
  /** Seconds the registration (RegisterApp calls; BullMQ: upsertJobScheduler calls) took. */
  registerSeconds?: number;
  /** When the case budget ran out: work the store still held (a slot there is late, not lost). */
  pendingAtDeadline?: number;
  /**
   * nenc: CPU seconds of the orchestrator process(es) (all replicas together) from the
   * window's first slot until every slot of it ran, and per slot run delivered meanwhile
   * (the unit of the Redis command counts).
   */
  orchestratorCpuSeconds?: number;
  orchestratorCpuMsPerSlotFiring?: number;
  note?: string;
}

class SlotLedger {
  readonly counts = new Map<string, number>();
  readonly lags: number[] = [];
  ranInWindow = 0;
  lastExpectedAt = 0;
  duplicates = 0;
  /** Every slot run delivered while measuring (before, in and after the window). */
  ranAll = 0;
  firstRunAt = 0;
  lastRunAt = 0;
  /** Lag of the last slot run delivered, whatever its slot. */
  lastLag = 0;

  constructor(
    readonly triggers: number,
    readonly firstSlot: number,
    readonly slots: number,
  ) {}

  inWindow(slot: number): boolean {
    return slot >= this.firstSlot && slot < this.firstSlot + this.slots * 1000 && slot % 1000 === 0;
  }

  record(n: number, slot: number, at: number): void {
    this.ranAll++;
    if (!this.firstRunAt) this.firstRunAt = at;
    this.lastRunAt = at;
    this.lastLag = at - slot;
    const key = `${n}:${slot}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count > 1) {
      this.duplicates++;
      return;
    }
    if (this.inWindow(slot) && n >= 0 && n < this.triggers) {
      this.ranInWindow++;
      this.lags.push(at - slot);
      this.lastExpectedAt = Math.max(this.lastExpectedAt, at);
    }
  }

  get expected(): number {
    return this.triggers * this.slots;
  }
}

/** The first slot of the window: a whole second at least `leadMs` from now. */
function firstSlotAfter(leadMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000;
}

async function untilWallClock(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await sleep(wait);
}

function cronTasks(triggers: number, withTriggers: boolean): Array<{ appId: string; task: TaskDeclaration }> {
  const apps: Array<{ appId: string; task: TaskDeclaration }> = [];
  for (let start = 0, a = 0; start < triggers; start += TRIGGERS_PER_APP, a++) {
    const builders: TriggerBuilder[] = [];
    if (withTriggers) {
      for (let n = start; n < Math.min(triggers, start + TRIGGERS_PER_APP); n++) {
        builders.push(
          new TriggerBuilder()
            .onCron(PATTERN)
            .withArgsStatic({ n })
            .withArgsFromCel("{'slot': scheduledTime}"),
        );
      }
    }
    apps.push({ appId: `cron${a}`, task: { name: `cron_tick_${a}`, triggers: builders } });
  }
  return apps;
}

/** Invocations not yet finished plus occurrences not yet evaluated, as the store counts them. */
async function pendingWork(
  ctx: BenchContext,
  child: ChildOrchestrator | undefined,
  prefix: string | undefined,
): Promise<number> {
  if (child?.store === "memory") {
    const usage = await child.call<{ stats: { activeInvocations: number; occurrenceBacklog: number } }>(
      "usage",
    );
    return usage.stats.activeInvocations + usage.stats.occurrenceBacklog;
  }
  const base = `{${prefix}}:`;
  // Unfinished invocations: those kept, less those finished (as RedisStore.stats counts them).
  const [kept, finished, backlog] = await Promise.all([
    ctx.redis.admin.zcard(`${base}invs`),
    ctx.redis.admin.zcard(`${base}finished`),
    ctx.redis.admin.xlen(`${base}occ`),
  ]);
  return kept - finished + backlog;
}

async function nencCron(
  ctx: BenchContext,
  backend: Exclude<CronBackend, "bullmq">,
  triggers: number,
  seconds: number,
  budgetMs: number,
): Promise<CronRunResult> {
  const caseStarted = Date.now();
  const replicas: Replica[] = [];
  let child: ChildOrchestrator | undefined;
  let prefix: string | undefined;
  const urls: string[] = [];
  if (backend === "nenc-redis ×3") {
    prefix = `cron3x${triggers}`;
    replicas.push(
      ...(await Promise.all(
        [0, 1, 2].map((i) =>
          startReplica(
            ctx.redis.url,
            prefix as string,
            ctx.profileDir ? { dir: ctx.profileDir, name: `${SCENARIO}-${triggers}-replica${i}` } : undefined,
          ),
        ),
      )),
    );
    urls.push(...replicas.map((replica) => replica.url));
  } else {
    child = await startNenc(ctx, backend, `${SCENARIO}-${triggers}`);
    prefix = child.redisPrefix;
    urls.push(child.url);
  }
  const clients = benchClients(urls[0] as string);
  const apps = cronTasks(triggers, true);
  const workers: RawWorker[] = [];
  // The same total concurrency as the BullMQ worker, spread over the workers (one per replica and app).
  const concurrencyPerWorker = Math.max(8, Math.floor(CRON_CONCURRENCY / (urls.length * apps.length)));
  let ledger: SlotLedger | undefined;
  const early: Array<[number, number, number]> = [];
  const onAssignment = (assignment: Assignment, receivedAt: number) => {
    const n = Number(assignment.arguments?.n);
    const slot = Number(assignment.arguments?.slot);
    if (ledger) ledger.record(n, slot, receivedAt);
    else early.push([n, slot, receivedAt]);
  };
  let note = "";
  const deadline = caseStarted + budgetMs;
  try {
    const registerStarted = Date.now();
    let registered = 0;
    try {
      for (const app of apps) {
        await registerApp(clients, app.appId, [app.task], {
          signal: AbortSignal.timeout(Math.round(Math.max(1000, deadline - Date.now()))),
        });
        registered += app.task.triggers?.length ?? 0;
      }
    } catch (error) {
      // Only the budget running out is "not measured"; a registration that fails is a failure.
      if (!/abort|cancel/i.test(String(error))) throw error;
      const seconds_ = ((Date.now() - registerStarted) / 1000).toFixed(1);
      const result = resultOf(backend, new SlotLedger(triggers, 0, seconds), seconds, 0);
      result.registerSeconds = (Date.now() - registerStarted) / 1000;
      result.measured = false;
      result.note = `not measured: registering the ${triggers} triggers (RegisterApp, ${TRIGGERS_PER_APP} per app) did not finish within the case budget of ${(budgetMs / 1000).toFixed(0)} s (${registered} registered after ${seconds_} s; ${String(error).slice(0, 120)})`;
      return result;
    }
    const registerSeconds = (Date.now() - registerStarted) / 1000;
    for (const [i, url] of urls.entries()) {
      for (const app of apps) {
        workers.push(
          await RawWorker.start({
            url,
            appId: app.appId,
            taskIds: [app.task.name],
            concurrency: concurrencyPerWorker,
            workerId: `cron-worker-${i}-${app.appId}`,
            onAssignment,
          }),
        );
      }
    }
    // The triggers fire from the moment they are registered; the window starts a little later, so that
    // the work registration leaves behind (other replicas compiling every trigger) is mostly done.
    // Waiting longer would only queue more slots ahead of the window when the backend cannot keep up.
    const firstSlot = firstSlotAfter(ctx.quick ? 1_500 : WINDOW_LEAD_MS);
    ledger = new SlotLedger(triggers, firstSlot, seconds);
    for (const [n, slot, at] of early.splice(0)) ledger.record(n, slot, at);
    const lastSlot = firstSlot + (seconds - 1) * 1000;
    const current = ledger;
    let pendingAtDeadline = 0;
    const totalReceived = () => workers.reduce((sum, worker) => sum + worker.received, 0);
    // Redis commands are counted from the window's first slot until every slot of it ran (registration
    // and removal excluded), per run delivered meanwhile (slots before and after the window included).
    await untilWallClock(firstSlot - 100);
    const receivedAtStart = totalReceived();
    const pids = child ? [child.pid] : replicas.map((replica) => replica.pid);
    const orchestratorCpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpuAtStart = orchestratorCpu();
    const window = async () => {
      await untilWallClock(lastSlot + 300);
      await waitFor(
        () => current.ranInWindow >= current.expected,
        "every slot of the window to run",
        Math.max(2_000, deadline - Date.now()),
        20,
      ).catch(() => undefined);
      return totalReceived() - receivedAtStart;
    };
    const firings = await withCommandStats(
      ctx,
      `${SCENARIO} ${triggers} triggers`,
      backend,
      "slot firing",
      (n) => n,
      window,
      child,
    );
    const cpuInWindow = orchestratorCpu() - cpuAtStart;
    if (current.ranInWindow < current.expected) pendingAtDeadline = await pendingWork(ctx, child, prefix);
    // Slots are logged in order, so once every slot of the window ran, nothing of it is pending: only
    // then do the apps register again without triggers (removing them earlier would drop slots that
    // were claimed but not yet evaluated). Then a short wait for late duplicates, within the budget.
    // Past the budget the orchestrator is stopped as it is (each case has a Redis prefix of its own).
    if (Date.now() < deadline)
      for (const app of cronTasks(triggers, false)) await registerApp(clients, app.appId, [app.task]);
    if (current.ranInWindow >= current.expected) {
      const left = Math.max(1_000, deadline - Date.now());
      if (child) await child.call("settled", { timeoutMs: Math.min(left, 30_000) }).catch(() => undefined);
      else await quiet(workers, 1000, left);
      await sleep(300);
    }
    if (current.ranInWindow < current.expected) {
      note = `case budget of ${(budgetMs / 1000).toFixed(0)} s ran out with ${current.expected - current.ranInWindow} slot runs of the window outstanding; the store still held ${pendingAtDeadline} unfinished invocations and unevaluated occurrences; the workers ran ${current.ranAll} slots in all during the case (${(current.lastRunAt > current.firstRunAt ? current.ranAll / ((current.lastRunAt - current.firstRunAt) / 1000) : 0).toFixed(0)}/s, while ${triggers}/s come due), the last of them ${(current.lastLag / 1000).toFixed(1)} s after its scheduled instant`;
    }
    const result = resultOf(backend, current, seconds, concurrencyPerWorker * workers.length);
    result.registerSeconds = registerSeconds;
    result.pendingAtDeadline = pendingAtDeadline;
    result.orchestratorCpuSeconds = cpuInWindow;
    result.orchestratorCpuMsPerSlotFiring = firings > 0 ? (cpuInWindow * 1000) / firings : Number.NaN;
    if (note) result.note = note;
    return result;
  } finally {
    // Past the budget, an orchestrator still busy with the backlog is not waited for.
    const grace = Date.now() > deadline ? 2_000 : 20_000;
    await Promise.all(workers.map((worker) => worker.stop()));
    clients.close();
    await child?.stop(grace);
    await Promise.all(replicas.map((replica) => replica.stop(grace)));
  }
}

/** Waits until no worker received anything for `ms` (at most `timeoutMs`). */
async function quiet(workers: RawWorker[], ms: number, timeoutMs: number): Promise<void> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - since < ms && Date.now() < deadline) {
    const total = workers.reduce((sum, worker) => sum + worker.received, 0);
    if (total !== last) {
      last = total;
      since = Date.now();
    }
    await sleep(50);
  }
}

/** The raw lag samples of a result (kept out of the JSON figures). */
const lagsOf = new WeakMap<CronRunResult, number[]>();

function resultOf(
  backend: CronBackend,
  ledger: SlotLedger,
  seconds: number,
  workerConcurrency: number,
): CronRunResult {
  const misses = ledger.expected - ledger.ranInWindow;
  const lastSlot = ledger.firstSlot + (seconds - 1) * 1000;
  const result: CronRunResult = {
    backend,
    triggers: ledger.triggers,
    windowSeconds: seconds,
    expected: ledger.expected,
    ranInWindow: ledger.ranInWindow,
    duplicates: ledger.duplicates,
    misses,
    lagMs: summarize(ledger.lags),
    drainSeconds: ledger.lastExpectedAt ? Math.max(0, (ledger.lastExpectedAt - lastSlot) / 1000) : Number.NaN,
    firingsPerSecond: ledger.lastExpectedAt
      ? ledger.ranInWindow / Math.max(1, (ledger.lastExpectedAt - ledger.firstSlot) / 1000)
      : 0,
    workerConcurrency,
    checkedExactlyOnce: backend !== "bullmq",
    measured: true,
    allRuns: ledger.ranAll,
    runsPerSecond:
      ledger.lastRunAt > ledger.firstRunAt
        ? ledger.ranAll / ((ledger.lastRunAt - ledger.firstRunAt) / 1000)
        : 0,
    lastRunLagMs: ledger.lastLag,
  };
  lagsOf.set(result, ledger.lags);
  return result;
}

async function bullCron(
  ctx: BenchContext,
  triggers: number,
  seconds: number,
  budgetMs: number,
): Promise<CronRunResult> {
  const caseStarted = Date.now();
  await flushRedis(ctx);
  const connection = bullConnection(ctx);
  const queue = new Queue("cron", {
    connection,
    defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: { count: 100_000 } },
  });
  let ledger: SlotLedger | undefined;
  const early: Array<[number, number, number]> = [];
  const concurrency = CRON_CONCURRENCY;
  let started = 0;
  const worker = new Worker(
    "cron",
    async (job) => {
      const startedAt = wallNow();
      started++;
      const id = String(job.id);
      const slot = Number(id.slice(id.lastIndexOf(":") + 1));
      const n = Number(job.data.n);
      if (ledger) ledger.record(n, slot, startedAt);
      else early.push([n, slot, startedAt]);
      return null;
    },
    { connection, concurrency },
  );
  await worker.waitUntilReady();
  try {
    const upsert = async (from: number, to: number) => {
      const batch: Array<Promise<unknown>> = [];
      for (let n = from; n < to; n++)
        batch.push(
          queue.upsertJobScheduler(`tick-${n}`, { pattern: PATTERN }, { name: "tick", data: { n } }),
        );
      await Promise.all(batch);
    };
    const registerStarted = Date.now();
    for (let from = 0; from < triggers; from += 500) await upsert(from, Math.min(triggers, from + 500));
    const registerSeconds = (Date.now() - registerStarted) / 1000;
    const firstSlot = firstSlotAfter(ctx.quick ? 1_500 : WINDOW_LEAD_MS);
    ledger = new SlotLedger(triggers, firstSlot, seconds);
    for (const [n, slot, at] of early.splice(0)) ledger.record(n, slot, at);
    const current = ledger;
    const lastSlot = firstSlot + (seconds - 1) * 1000;
    await untilWallClock(firstSlot - 100);
    const processedAtStart = started;
    await withCommandStats(
      ctx,
      `${SCENARIO} ${triggers} triggers`,
      "bullmq",
      "slot firing",
      (n) => n,
      async () => {
        await untilWallClock(lastSlot + 300);
        // BullMQ skips iterations it could not start in time, so not every slot will run: wait until
        // every slot ran or none of the window started for a second.
        await waitFor(
          () => {
            if (current.ranInWindow >= current.expected) return true;
            const idle =
              current.lastExpectedAt > 0
                ? Date.now() - current.lastExpectedAt
                : Date.now() - lastSlot - 10_000;
            return Date.now() > lastSlot + 1_500 && idle > 1_000;
          },
          "the BullMQ queue to drain",
          Math.max(2_000, caseStarted + budgetMs - Date.now()),
          50,
        ).catch(() => undefined);
        return started - processedAtStart;
      },
    );
    for (let from = 0; from < triggers; from += 500) {
      const batch: Array<Promise<unknown>> = [];
      for (let n = from; n < Math.min(triggers, from + 500); n++)
        batch.push(queue.removeJobScheduler(`tick-${n}`));
      await Promise.all(batch);
    }
    await sleep(300);
    const result = resultOf("bullmq", current, seconds, concurrency);
    result.registerSeconds = registerSeconds;
    return result;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export interface CronPlanEntry {
  backend: CronBackend;
  triggers: number;
  seconds: number;
  /** The whole case (start, register, window, drain) gets at most this long before it is cut short. */
  budgetMs: number;
}

/**
 * The cases of a run. Full: 1,000 triggers for a 15 s window and 10,000 for 5 s, each
 * case cut short after its budget (a backend that cannot keep up shows it as late
 * slots and growing lag, without making the run last forever). `long` (--long-cron):
 * 30 s and 10 s windows with budgets of several minutes. Quick: 300 triggers, 1 s.
 */
export function cronPlan(mode: "quick" | "full" | "long"): CronPlanEntry[] {
  if (mode === "quick") {
    const entry = (backend: CronBackend): CronPlanEntry => ({
      backend,
      triggers: 300,
      seconds: 1,
      budgetMs: 7_000,
    });
    return [entry("nenc-memory"), entry("nenc-redis"), entry("bullmq"), entry("nenc-redis ×3")];
  }
  const long = mode === "long";
  const small = { triggers: 1_000, seconds: long ? 30 : 15, budgetMs: long ? 180_000 : 35_000 };
  const large = { triggers: 10_000, seconds: long ? 10 : 5, budgetMs: long ? 600_000 : 18_000 };
  return [
    { backend: "nenc-memory", ...small },
    { backend: "nenc-redis", ...small },
    { backend: "bullmq", ...small },
    { backend: "nenc-memory", ...large },
    { backend: "nenc-redis", ...large },
    { backend: "nenc-redis ×3", ...large },
    { backend: "bullmq", ...large },
  ];
}

const CRON_BACKENDS: readonly CronBackend[] = ["nenc-memory", "nenc-redis", "nenc-redis ×3", "bullmq"];

/**
 * The cases `--cron-cases` names ("nenc-redisx3:1000,bullmq:10000"), in that order:
 * any backend at any size of the plan, with the window and budget the plan gives
 * that size, also combinations the plan leaves out (three replicas at 1,000).
 */
export function selectCronCases(mode: "quick" | "full" | "long", names: readonly string[]): CronPlanEntry[] {
  const plan = cronPlan(mode);
  return names.map((name) => {
    const [label = "", count = ""] = name.split(":");
    const backend = CRON_BACKENDS.find((b) => b.replace(" ×3", "x3") === label);
    const size = plan.find((entry) => entry.triggers === Number(count));
    if (!backend || !size) {
      const sizes = [...new Set(plan.map((entry) => entry.triggers))].join(", ");
      throw new Error(
        `--cron-cases: "${name}" is not <backend>:<triggers>; backends ${CRON_BACKENDS.map((b) => b.replace(" ×3", "x3")).join(", ")}; triggers ${sizes}`,
      );
    }
    return { backend, triggers: size.triggers, seconds: size.seconds, budgetMs: size.budgetMs };
  });
}

/**
 * Runs the plan. `finishBy` (epoch ms) keeps the whole run within its time limit: when
 * time is short, each remaining case gets its share of what is left instead of its
 * full budget (never less than what its window needs).
 */
export async function runCron(
  ctx: BenchContext,
  plan = cronPlan(ctx.quick ? "quick" : "full"),
  finishBy = Number.POSITIVE_INFINITY,
): Promise<void> {
  const rows: CronRunResult[] = [];
  for (const [index, entry] of plan.entries()) {
    const { backend, triggers, seconds } = entry;
    const planned = plan.slice(index).reduce((sum, e) => sum + e.budgetMs, 0);
    const share = ((finishBy - Date.now()) * entry.budgetMs) / planned;
    const budgetMs = Math.floor(Math.max(Math.min(entry.budgetMs, share), (seconds + 6) * 1000));
    ctx.log(
      `(d) cron, ${triggers} triggers on "${PATTERN}" for ${seconds} s, ${backend}${budgetMs < entry.budgetMs - 500 ? ` (budget cut to ${(budgetMs / 1000).toFixed(0)} s to end the run in time)` : ""}`,
    );
    const result =
      backend === "bullmq"
        ? await bullCron(ctx, triggers, seconds, budgetMs)
        : await nencCron(ctx, backend, triggers, seconds, budgetMs);
    if (!result.measured) {
      rows.push(result);
      ctx.log(`    ${result.note}`);
      ctx.check(
        `${SCENARIO} ${triggers} triggers`,
        backend,
        "no slot lost or run twice",
        true,
        result.note ?? "not measured",
      );
      continue;
    }
    if (backend !== "bullmq") {
      const pending = result.pendingAtDeadline ?? 0;
      result.lost = Math.max(0, result.misses - pending);
      result.late = result.misses - result.lost;
    }
    rows.push(result);
    const lag = result.lagMs;
    ctx.log(
      `    lag p50 ${lag.p50.toFixed(1)} ms  p99 ${lag.p99.toFixed(1)}  max ${lag.max.toFixed(1)}; ${result.ranInWindow}/${result.expected} ran, ${result.duplicates} duplicates, ${result.misses} not run${result.late ? ` (${result.late} late, ${result.lost} lost)` : ""}; last ran ${result.drainSeconds.toFixed(1)} s after the last slot${result.registerSeconds === undefined ? "" : `; RegisterApp took ${result.registerSeconds.toFixed(1)} s`}`,
    );
    ctx.series.push({
      panel: `(d) Cron lag, ${triggers.toLocaleString("en-US")} triggers on "${PATTERN}"`,
      label: backend,
      backend: backend.startsWith("nenc-redis") ? "nenc-redis" : backend,
      samples: lagsOf.get(result) ?? [],
    });
    if (backend !== "bullmq") {
      ctx.check(
        `${SCENARIO} ${triggers} triggers`,
        backend,
        "no slot lost or run twice (slots still queued when the case budget ran out count as late, not lost)",
        result.duplicates === 0 && result.lost === 0,
        `${result.ranInWindow}/${result.expected} slot runs, ${result.duplicates} duplicates, ${result.late ?? 0} late, ${result.lost ?? 0} lost`,
      );
    }
  }
  ctx.results.cron = rows;
}
