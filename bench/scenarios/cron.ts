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
import { type BenchClients, benchClients, registerApp, type TaskDeclaration } from "../lib/clients.js";
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

/** Where a cron case runs: one nenc orchestrator (memory or Redis), three Redis replicas, or BullMQ. */
export type CronBackend = "nenc-memory" | "nenc-redis" | "nenc-redis ×3" | "bullmq";

/** One case's figures, as `results.cron` of the JSON report holds them. */
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

/** Which (trigger, slot) pairs ran and how late: misses and duplicates of the window are counted here. */
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

/**
 * Work of the window still owed: invocations not yet finished plus occurrences not
 * yet evaluated, as the store counts them, plus (Redis) window slots no replica has
 * claimed yet (each condition's stored last slot is before them): late, not lost.
 */
async function pendingWork(
  ctx: BenchContext,
  child: ChildOrchestrator | undefined,
  prefix: string | undefined,
  ledger: SlotLedger,
): Promise<number> {
  if (child?.store === "memory") {
    const usage = await child.call<{ stats: { activeInvocations: number; occurrenceBacklog: number } }>(
      "usage",
    );
    return usage.stats.activeInvocations + usage.stats.occurrenceBacklog;
  }
  const base = `{${prefix}}:`;
  // Unfinished invocations: those kept, less those finished (as RedisStore.stats counts them).
  const [kept, finished, backlog, lastSlots] = await Promise.all([
    ctx.redis.admin.zcard(`${base}invs`),
    ctx.redis.admin.zcard(`${base}finished`),
    ctx.redis.admin.xlen(`${base}occ`),
    ctx.redis.admin.hvals(`${base}cron`),
  ]);
  return kept - finished + backlog + unclaimedSlots(ledger, lastSlots.map(Number));
}

/** Window slots after each condition's last claimed slot (conditions never claimed owe the whole window). */
function unclaimedSlots(ledger: SlotLedger, lastSlots: number[]): number {
  const windowEnd = ledger.firstSlot + ledger.slots * 1000;
  const owed = (last: number) =>
    Math.max(0, Math.min(ledger.slots, (windowEnd - Math.max(last + 1000, ledger.firstSlot)) / 1000));
  const neverClaimed = Math.max(0, ledger.triggers - lastSlots.length) * ledger.slots;
  return lastSlots.reduce((sum, last) => sum + Math.ceil(owed(last)), neverClaimed);
}

/**
 * Slot runs can arrive before the window is fixed (triggers fire from registration on):
 * they are kept and recorded once the window, and so the ledger, exists.
 */
class SlotCollector {
  private ledger: SlotLedger | undefined;
  private readonly early: Array<[number, number, number]> = [];

  record(n: number, slot: number, at: number): void {
    if (this.ledger) this.ledger.record(n, slot, at);
    else this.early.push([n, slot, at]);
  }

  /** Fixes the window (from `firstSlot`, `seconds` long) and records what arrived before it. */
  startWindow(triggers: number, firstSlot: number, seconds: number): SlotLedger {
    const ledger = new SlotLedger(triggers, firstSlot, seconds);
    this.ledger = ledger;
    for (const [n, slot, at] of this.early.splice(0)) ledger.record(n, slot, at);
    return ledger;
  }
}

/** The first slot of a case's window, later in --quick where there is less registration to settle. */
function windowStart(ctx: BenchContext): number {
  return firstSlotAfter(ctx.quick ? 1_500 : WINDOW_LEAD_MS);
}

/** The nenc orchestrator(s) of a case: one child process, or three replicas sharing a Redis prefix. */
interface NencDeployment {
  child?: ChildOrchestrator;
  replicas: Replica[];
  prefix?: string;
  urls: string[];
}

async function startNencDeployment(
  ctx: BenchContext,
  backend: Exclude<CronBackend, "bullmq">,
  triggers: number,
): Promise<NencDeployment> {
  if (backend === "nenc-redis ×3") {
    const prefix = `cron3x${triggers}`;
    const replicas = await Promise.all(
      [0, 1, 2].map((i) =>
        startReplica(
          ctx.redis.url,
          prefix,
          ctx.profileDir ? { dir: ctx.profileDir, name: `${SCENARIO}-${triggers}-replica${i}` } : undefined,
        ),
      ),
    );
    return { replicas, prefix, urls: replicas.map((replica) => replica.url) };
  }
  const child = await startNenc(ctx, backend, `${SCENARIO}-${triggers}`);
  return { child, replicas: [], prefix: child.redisPrefix, urls: [child.url] };
}

/** Everything one nenc case works with; `workers` fills as they start, so a failed start still stops them. */
interface NencCronCase {
  ctx: BenchContext;
  backend: Exclude<CronBackend, "bullmq">;
  triggers: number;
  seconds: number;
  budgetMs: number;
  deadline: number;
  deployment: NencDeployment;
  clients: BenchClients;
  apps: Array<{ appId: string; task: TaskDeclaration }>;
  workers: RawWorker[];
  collector: SlotCollector;
}

/**
 * Registers the apps one RegisterApp call each. Returns how many triggers were registered
 * and, when the case budget ran out, the error that cut registration short.
 */
async function registerCronApps(run: NencCronCase): Promise<{ registered: number; cutShort?: string }> {
  let registered = 0;
  try {
    for (const app of run.apps) {
      await registerApp(run.clients, app.appId, [app.task], {
        signal: AbortSignal.timeout(Math.round(Math.max(1000, run.deadline - Date.now()))),
      });
      registered += app.task.triggers?.length ?? 0;
    }
  } catch (error) {
    // Only the budget running out is "not measured"; a registration that fails is a failure.
    if (!/abort|cancel/i.test(String(error))) throw error;
    return { registered, cutShort: String(error) };
  }
  return { registered };
}

/** The result of a case whose registration did not finish within its budget. */
function notMeasuredResult(
  run: NencCronCase,
  registerStarted: number,
  registered: number,
  error: string,
): CronRunResult {
  const { backend, triggers, seconds, budgetMs } = run;
  const took = ((Date.now() - registerStarted) / 1000).toFixed(1);
  const result = resultOf(backend, new SlotLedger(triggers, 0, seconds), seconds, 0);
  result.registerSeconds = (Date.now() - registerStarted) / 1000;
  result.measured = false;
  result.note = `not measured: registering the ${triggers} triggers (RegisterApp, ${TRIGGERS_PER_APP} per app) did not finish within the case budget of ${(budgetMs / 1000).toFixed(0)} s (${registered} registered after ${took} s; ${error.slice(0, 120)})`;
  return result;
}

/** One raw worker per replica and app, all recording into the case's collector. */
async function startCronWorkers(run: NencCronCase, concurrencyPerWorker: number): Promise<void> {
  const onAssignment = (assignment: Assignment, receivedAt: number) =>
    run.collector.record(Number(assignment.arguments?.n), Number(assignment.arguments?.slot), receivedAt);
  for (const [i, url] of run.deployment.urls.entries()) {
    for (const app of run.apps) {
      run.workers.push(
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
}

/**
 * Waits until every slot of the window ran (or the budget ran out). Redis commands are
 * counted from the window's first slot until then (registration and removal excluded),
 * per run delivered meanwhile (slots before and after the window included); the
 * orchestrators' CPU over the same span.
 */
async function measureNencWindow(
  run: NencCronCase,
  ledger: SlotLedger,
): Promise<{ firings: number; cpuInWindow: number }> {
  const { ctx, deployment, workers } = run;
  const lastSlot = ledger.firstSlot + (run.seconds - 1) * 1000;
  const totalReceived = () => workers.reduce((sum, worker) => sum + worker.received, 0);
  await untilWallClock(ledger.firstSlot - 100);
  const receivedAtStart = totalReceived();
  const pids = deployment.child ? [deployment.child.pid] : deployment.replicas.map((replica) => replica.pid);
  const orchestratorCpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuAtStart = orchestratorCpu();
  const window = async () => {
    await untilWallClock(lastSlot + 300);
    await waitFor(
      () => ledger.ranInWindow >= ledger.expected,
      "every slot of the window to run",
      Math.max(2_000, run.deadline - Date.now()),
      20,
    ).catch(() => undefined);
    return totalReceived() - receivedAtStart;
  };
  const firings = await withCommandStats(
    ctx,
    `${SCENARIO} ${run.triggers} triggers`,
    run.backend,
    "slot firing",
    (n) => n,
    window,
    deployment.child,
  );
  return { firings, cpuInWindow: orchestratorCpu() - cpuAtStart };
}

/**
 * Slots are logged in order, so once every slot of the window ran, nothing of it is pending: only
 * then do the apps register again without triggers (removing them earlier would drop slots that
 * were claimed but not yet evaluated). Then a short wait for late duplicates, within the budget.
 * Past the budget the orchestrator is stopped as it is (each case has a Redis prefix of its own).
 */
async function removeTriggersAndSettle(run: NencCronCase, ledger: SlotLedger): Promise<void> {
  if (Date.now() < run.deadline)
    for (const app of cronTasks(run.triggers, false)) await registerApp(run.clients, app.appId, [app.task]);
  if (ledger.ranInWindow >= ledger.expected) {
    const left = Math.max(1_000, run.deadline - Date.now());
    const child = run.deployment.child;
    if (child) await child.call("settled", { timeoutMs: Math.min(left, 30_000) }).catch(() => undefined);
    else await quiet(run.workers, 1000, left);
    await sleep(300);
  }
}

/** Why a case has slots of its window outstanding: what the store held and how fast the workers ran. */
function outstandingNote(run: NencCronCase, ledger: SlotLedger, pendingAtDeadline: number): string {
  const rate =
    ledger.lastRunAt > ledger.firstRunAt
      ? ledger.ranAll / ((ledger.lastRunAt - ledger.firstRunAt) / 1000)
      : 0;
  return `case budget of ${(run.budgetMs / 1000).toFixed(0)} s ran out with ${ledger.expected - ledger.ranInWindow} slot runs of the window outstanding; the store still held ${pendingAtDeadline} unfinished invocations, unevaluated occurrences and unclaimed slots; the workers ran ${ledger.ranAll} slots in all during the case (${rate.toFixed(0)}/s, while ${run.triggers}/s come due), the last of them ${(ledger.lastLag / 1000).toFixed(1)} s after its scheduled instant`;
}

/** Registers, starts the workers, measures the window and removes the triggers again. */
async function measureNencCase(run: NencCronCase): Promise<CronRunResult> {
  const registerStarted = Date.now();
  const { registered, cutShort } = await registerCronApps(run);
  if (cutShort !== undefined) return notMeasuredResult(run, registerStarted, registered, cutShort);
  const registerSeconds = (Date.now() - registerStarted) / 1000;
  // The same total concurrency as the BullMQ worker, spread over the workers (one per replica and app).
  const concurrencyPerWorker = Math.max(
    8,
    Math.floor(CRON_CONCURRENCY / (run.deployment.urls.length * run.apps.length)),
  );
  await startCronWorkers(run, concurrencyPerWorker);
  // The triggers fire from the moment they are registered; the window starts a little later, so that
  // the work registration leaves behind (other replicas compiling every trigger) is mostly done.
  // Waiting longer would only queue more slots ahead of the window when the backend cannot keep up.
  const ledger = run.collector.startWindow(run.triggers, windowStart(run.ctx), run.seconds);
  const { firings, cpuInWindow } = await measureNencWindow(run, ledger);
  const pendingAtDeadline =
    ledger.ranInWindow < ledger.expected
      ? await pendingWork(run.ctx, run.deployment.child, run.deployment.prefix, ledger)
      : 0;
  await removeTriggersAndSettle(run, ledger);
  const note = ledger.ranInWindow < ledger.expected ? outstandingNote(run, ledger, pendingAtDeadline) : "";
  const result = resultOf(run.backend, ledger, run.seconds, concurrencyPerWorker * run.workers.length);
  result.registerSeconds = registerSeconds;
  result.pendingAtDeadline = pendingAtDeadline;
  result.orchestratorCpuSeconds = cpuInWindow;
  result.orchestratorCpuMsPerSlotFiring = firings > 0 ? (cpuInWindow * 1000) / firings : Number.NaN;
  if (note) result.note = note;
  return result;
}

/** One nenc case: its orchestrator(s) start, the case runs within `budgetMs`, and everything stops. */
async function nencCron(
  ctx: BenchContext,
  backend: Exclude<CronBackend, "bullmq">,
  triggers: number,
  seconds: number,
  budgetMs: number,
): Promise<CronRunResult> {
  const deadline = Date.now() + budgetMs;
  const deployment = await startNencDeployment(ctx, backend, triggers);
  const run: NencCronCase = {
    ctx,
    backend,
    triggers,
    seconds,
    budgetMs,
    deadline,
    deployment,
    clients: benchClients(deployment.urls[0] as string),
    apps: cronTasks(triggers, true),
    workers: [],
    collector: new SlotCollector(),
  };
  try {
    return await measureNencCase(run);
  } finally {
    // Past the budget, an orchestrator still busy with the backlog is not waited for.
    const grace = Date.now() > deadline ? 2_000 : 20_000;
    await Promise.all(run.workers.map((worker) => worker.stop()));
    run.clients.close();
    await deployment.child?.stop(grace);
    await Promise.all(deployment.replicas.map((replica) => replica.stop(grace)));
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

/** Calls `each` for trigger numbers 0..triggers-1, 500 at a time (one batch in flight). */
async function inBatchesOf500(triggers: number, each: (n: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < triggers; from += 500) {
    const batch: Array<Promise<unknown>> = [];
    for (let n = from; n < Math.min(triggers, from + 500); n++) batch.push(each(n));
    await Promise.all(batch);
  }
}

/**
 * A BullMQ worker that records each job's start against its slot (BullMQ puts the
 * scheduled time in the job id) and counts every job it started.
 */
function startBullCronWorker(
  connection: ReturnType<typeof bullConnection>,
  collector: SlotCollector,
): { worker: Worker; started: () => number } {
  let started = 0;
  const worker = new Worker(
    "cron",
    async (job) => {
      const startedAt = wallNow();
      started++;
      const id = String(job.id);
      const slot = Number(id.slice(id.lastIndexOf(":") + 1));
      collector.record(Number(job.data.n), slot, startedAt);
      return null;
    },
    { connection, concurrency: CRON_CONCURRENCY },
  );
  return { worker, started: () => started };
}

/**
 * BullMQ skips iterations it could not start in time, so not every slot will run: waits
 * until every slot ran or none of the window started for a second (or the budget ran out).
 */
async function bullWindowDrained(ledger: SlotLedger, lastSlot: number, deadline: number): Promise<void> {
  await waitFor(
    () => {
      if (ledger.ranInWindow >= ledger.expected) return true;
      const idle =
        ledger.lastExpectedAt > 0 ? Date.now() - ledger.lastExpectedAt : Date.now() - lastSlot - 10_000;
      return Date.now() > lastSlot + 1_500 && idle > 1_000;
    },
    "the BullMQ queue to drain",
    Math.max(2_000, deadline - Date.now()),
    50,
  ).catch(() => undefined);
}

/** One BullMQ case: a job scheduler per trigger with the same pattern, measured like nenc. */
async function bullCron(
  ctx: BenchContext,
  triggers: number,
  seconds: number,
  budgetMs: number,
): Promise<CronRunResult> {
  const deadline = Date.now() + budgetMs;
  await flushRedis(ctx);
  // One connection setting for the queue and its worker.
  const connection = bullConnection(ctx);
  const queue = new Queue("cron", {
    connection,
    defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: { count: 100_000 } },
  });
  const collector = new SlotCollector();
  const { worker, started } = startBullCronWorker(connection, collector);
  await worker.waitUntilReady();
  try {
    const registerStarted = Date.now();
    await inBatchesOf500(triggers, (n) =>
      queue.upsertJobScheduler(`tick-${n}`, { pattern: PATTERN }, { name: "tick", data: { n } }),
    );
    const registerSeconds = (Date.now() - registerStarted) / 1000;
    const ledger = collector.startWindow(triggers, windowStart(ctx), seconds);
    const lastSlot = ledger.firstSlot + (seconds - 1) * 1000;
    await untilWallClock(ledger.firstSlot - 100);
    const startedBefore = started();
    await withCommandStats(
      ctx,
      `${SCENARIO} ${triggers} triggers`,
      "bullmq",
      "slot firing",
      (n) => n,
      async () => {
        await untilWallClock(lastSlot + 300);
        await bullWindowDrained(ledger, lastSlot, deadline);
        return started() - startedBefore;
      },
    );
    await inBatchesOf500(triggers, (n) => queue.removeJobScheduler(`tick-${n}`));
    await sleep(300);
    const result = resultOf("bullmq", ledger, seconds, CRON_CONCURRENCY);
    result.registerSeconds = registerSeconds;
    return result;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** One case of the plan: a backend, how many triggers, how long a window and within what budget. */
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
 * A case's budget when the run must end by `finishBy`: its share of the time left, in
 * proportion to the budgets of the cases still to run, never more than planned and never
 * less than its window needs.
 */
function caseBudgetMs(plan: CronPlanEntry[], index: number, finishBy: number): number {
  const entry = plan[index] as CronPlanEntry;
  const planned = plan.slice(index).reduce((sum, e) => sum + e.budgetMs, 0);
  const share = ((finishBy - Date.now()) * entry.budgetMs) / planned;
  return Math.floor(Math.max(Math.min(entry.budgetMs, share), (entry.seconds + 6) * 1000));
}

/** A case that could not start its window: logged, and checked as passing with the reason. */
function reportUnmeasured(ctx: BenchContext, entry: CronPlanEntry, result: CronRunResult): void {
  ctx.log(`    ${result.note}`);
  ctx.check(
    `${SCENARIO} ${entry.triggers} triggers`,
    entry.backend,
    "no slot lost or run twice",
    true,
    result.note ?? "not measured",
  );
}

/**
 * nenc: slots the store still held when the budget ran out are late; only those missing
 * beyond them are lost.
 */
function splitMisses(result: CronRunResult): void {
  const pending = result.pendingAtDeadline ?? 0;
  result.lost = Math.max(0, result.misses - pending);
  result.late = result.misses - result.lost;
}

/** A measured case: its log line, its lag panel series and (nenc) the exactly-once check. */
function reportMeasured(ctx: BenchContext, entry: CronPlanEntry, result: CronRunResult): void {
  const { backend, triggers } = entry;
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
  // BullMQ skips slots by design, so only nenc is held to exactly once.
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
    const budgetMs = caseBudgetMs(plan, index, finishBy);
    ctx.log(
      `(d) cron, ${triggers} triggers on "${PATTERN}" for ${seconds} s, ${backend}${budgetMs < entry.budgetMs - 500 ? ` (budget cut to ${(budgetMs / 1000).toFixed(0)} s to end the run in time)` : ""}`,
    );
    const result =
      backend === "bullmq"
        ? await bullCron(ctx, triggers, seconds, budgetMs)
        : await nencCron(ctx, backend, triggers, seconds, budgetMs);
    if (!result.measured) {
      rows.push(result);
      reportUnmeasured(ctx, entry, result);
      continue;
    }
    if (backend !== "bullmq") splitMisses(result);
    rows.push(result);
    reportMeasured(ctx, entry, result);
  }
  ctx.results.cron = rows;
}
