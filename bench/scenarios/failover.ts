/**
 * (f) Failover: two `nenc serve --redis` replicas on one Redis under steady load, one
 * killed with SIGKILL mid-load. The load exercises the three kinds of work a replica
 * holds for the others:
 * - chains: `onSuccess(fo_src)` → fo_next, sources invoked at a steady rate (status
 *   occurrences on the occurrence log, each evaluated by the replica whose worker ran
 *   its source);
 * - cron slots: N triggers on `* * * * * *` (shared out among the live replicas);
 * - deferred evaluations: `onSuccess(fd_src, { callArguments: <function> })` → fd_next,
 *   whose filter runs on a worker of its app and takes 400 ms (I/O); fd_src runs on
 *   both replicas' workers, that app's only worker is on the replica that is killed,
 *   so the other replica defers its evaluations to it (the app's deferred stream),
 *   and the killed replica evaluates the rest in place. The kill comes while the victim is half-way through such a
 *   filter for both, so that every run leaves it holding work of each.
 * Raw workers of each app run on both replicas (the deferred app's only on the one
 * killed); the producer and every control call go through the survivor. When the
 * killed replica's streams break, its workers connect again to the survivor with the
 * same worker ids, as a worker process behind a load balancer would.
 *
 * Each unit of work (a chain, a cron slot of a trigger, a deferred chain) is *due*
 * when its source's `completed` was handed to the stream (chains) or at its
 * scheduled instant (cron), and *fired* when the triggered task's first assignment
 * arrives at a worker. `recoverySeconds`: over every unit still pending at the kill
 * or due after it (until the load ends), the longest time from the kill (or from its
 * due time, when later) until it fired: "its trigger fired late by". Lost: due and
 * not fired by the deadline; duplicates: fired as two invocations.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { TriggerBuilder } from "@nenc/sdk";
import { benchClients, invoke, registerApp, type TaskDeclaration } from "../lib/clients.js";
import type { BenchContext } from "../lib/context.js";
import { type Replica, startReplica } from "../lib/orchestrator.js";
import { RawWorker } from "../lib/raw-worker.js";
import { type Summary, sleep, summarize, wallNow } from "../lib/stats.js";

const SCENARIO = "failover";
const PATTERN = "* * * * * *";
const CHAIN_APP = "fo";
const DEFERRED_APP = "fodef";
/** The store's default (src/store/store.ts DEFAULT_RECLAIM_AFTER_MS), unless the environment sets it. */
const DEFAULT_RECLAIM_AFTER_MS = 30_000;
/** The store's consumer for a gone replica's entries (src/store/redis/engine-streams.ts). */
const RELEASED_CONSUMER = "released";
/** A unit this late past the kill is looked at: was its triggered invocation created late, or delivered late? */
const LATE_MS = 3_000;

export interface FailoverPlan {
  chainsPerSecond: number;
  deferredPerSecond: number;
  cronTriggers: number;
  /** Load before the kill (also lets both replicas index every trigger). */
  beforeKillMs: number;
  /** Load after the kill. */
  afterKillMs: number;
  /** From the kill: a unit not fired by then is lost. */
  deadlineMs: number;
  workerConcurrency: number;
  /**
   * How long the deferred trigger's filter takes on the worker (a filter that does
   * I/O): the killed replica is always in the middle of some evaluations.
   */
  filterMs: number;
}

export function failoverPlan(quick: boolean): FailoverPlan {
  return quick
    ? {
        chainsPerSecond: 20,
        deferredPerSecond: 10,
        cronTriggers: 50,
        beforeKillMs: 4_000,
        afterKillMs: 2_000,
        deadlineMs: 60_000,
        workerConcurrency: 64,
        filterMs: 400,
      }
    : {
        chainsPerSecond: 100,
        deferredPerSecond: 10,
        cronTriggers: 200,
        beforeKillMs: 6_000,
        afterKillMs: 5_000,
        deadlineMs: 60_000,
        workerConcurrency: 64,
        filterMs: 400,
      };
}

type Kind = "chain" | "cron" | "deferred";
const KINDS: readonly Kind[] = ["chain", "cron", "deferred"];

interface Unit {
  /** When it came due (wall clock ms); undefined while its source has not completed. */
  due?: number;
  firedAt?: number;
  /** The triggered invocation that arrived first. */
  firstInvocation?: string;
  /** When the store created that invocation (read after the run for units that fired late). */
  createdAt?: number;
  /** Distinct triggered invocations: more than one is a duplicate firing. */
  invocations: Set<string>;
  /** Assignments of its triggered task (a redelivery of the same invocation counts here). */
  deliveries: number;
  /** Part of what the run expects to fire (cron: a slot of the window; chains: an invoked source). */
  expected: boolean;
}

class UnitLedger {
  readonly units = new Map<string, Unit>();
  sourceDeliveries = 0;
  sourceRuns = new Set<string>();

  private unit(kind: Kind, key: string): Unit {
    const id = `${kind}:${key}`;
    let unit = this.units.get(id);
    if (!unit) {
      unit = { invocations: new Set(), deliveries: 0, expected: false };
      this.units.set(id, unit);
    }
    return unit;
  }

  expect(kind: Kind, key: string, due?: number): void {
    const unit = this.unit(kind, key);
    unit.expected = true;
    if (due !== undefined) unit.due ??= due;
  }

  due(kind: Kind, key: string, at: number): void {
    const unit = this.unit(kind, key);
    unit.due ??= at;
  }

  fired(kind: Kind, key: string, invocationId: string, at: number): void {
    const unit = this.unit(kind, key);
    unit.deliveries++;
    unit.invocations.add(invocationId);
    if (unit.firedAt === undefined) {
      unit.firedAt = at;
      unit.firstInvocation = invocationId;
    }
  }

  of(kind: Kind): Unit[] {
    const prefix = `${kind}:`;
    return [...this.units.entries()].filter(([id]) => id.startsWith(prefix)).map(([, unit]) => unit);
  }

  /** Every expected unit came due and fired. */
  get complete(): boolean {
    for (const unit of this.units.values())
      if (unit.expected && (unit.due === undefined || unit.firedAt === undefined)) return false;
    return true;
  }
}

export interface FailoverKindResult {
  expected: number;
  /** Due units not yet fired at the kill, plus those due after it (until the load ended). */
  affected: number;
  /** The longest wait past max(kill, due) among the affected units that fired (s). */
  recoverySeconds: number;
  /** How many of the affected units fired more than 3 s past max(kill, due). */
  over3s: number;
  lost: number;
  duplicates: number;
  /** Extra assignments of an invocation already delivered (at-least-once delivery after the crash). */
  redelivered: number;
  /**
   * Of the units that fired more than 3 s past max(kill, due) (the goal): how many had their
   * triggered invocation created that late (the evaluation or the source was held by
   * the killed replica) and the longest such wait; the others were created in time
   * but delivered late (an assignment held by a worker stream of the killed replica).
   */
  createdLate: { count: number; maxSeconds: number };
  deliveredLate: { count: number; maxSeconds: number };
  /** Due → fired of the units due and fired before the kill (steady state). */
  steadyLatenessMs: Summary;
}

export interface FailoverResult {
  replicas: number;
  plan: FailoverPlan;
  reclaimAfterMs: number;
  recoverySeconds: number;
  recoveryDefinition: string;
  lost: number;
  duplicates: number;
  byKind: Record<Kind, FailoverKindResult>;
  /** Entries the killed replica's consumer held unacknowledged when it died (occurrence log, deferred stream). */
  heldByKilledReplica: { occurrences: number; deferred: number };
  /** From the kill until the killed replica's consumer held no entry any more (null: not within the deadline). */
  backlogDrainedSeconds: number | null;
  /** From the kill until its workers were connected to the survivor. */
  workersReconnectedSeconds: number;
  /** Source assignments delivered more than once (their first completion died with the replica). */
  sourceRedeliveries: number;
  /** Seconds from the kill until the case stopped waiting. */
  observedSeconds: number;
}

/** The function id a built trigger uses for its filter (RawWorker announces it). */
function functionIds(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) functionIds(item, out);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "functionId" && typeof inner === "string") out.push(inner);
      else if (typeof inner === "object") functionIds(inner, out);
    }
  }
  return out;
}

function foKeepEverything(_args: Record<string, unknown>): boolean {
  return true;
}

function declarations(cronTriggers: number, withTriggers: boolean) {
  const chain: TaskDeclaration[] = [
    { name: "fo_src" },
    // The deferred chains' source runs on both replicas' workers: a replica evaluates
    // the occurrences its own workers' results log (docs/design.md §2.3), so only the
    // survivor's defer their evaluation to the victim, which alone hosts the filter.
    { name: "fd_src" },
    {
      name: "fo_next",
      triggers: withTriggers
        ? [new TriggerBuilder().onSuccess("fo_src").withArgsFromCel("{'c': arguments.c}")]
        : [],
    },
    {
      name: "fo_cron",
      triggers: withTriggers
        ? Array.from({ length: cronTriggers }, (_, n) =>
            new TriggerBuilder()
              .onCron(PATTERN)
              .withArgsStatic({ n })
              .withArgsFromCel("{'slot': scheduledTime}"),
          )
        : [],
    },
  ];
  const deferredTrigger = new TriggerBuilder()
    .onSuccess("fd_src", { callArguments: foKeepEverything })
    .withArgsFromCel("{'d': arguments.d}");
  const deferred: TaskDeclaration[] = [{ name: "fd_next", triggers: withTriggers ? [deferredTrigger] : [] }];
  return { chain, deferred, filterIds: functionIds(deferredTrigger.build()) };
}

/** Raw workers of both apps on one replica; the ledger hears what they run. */
async function startWorkers(
  url: string,
  ledger: UnitLedger,
  filterIds: string[],
  options: { deferredApp: boolean; chainApp: boolean; tag: string; concurrency: number; filterMs: number },
): Promise<RawWorker[]> {
  const workers: RawWorker[] = [];
  if (options.chainApp)
    workers.push(
      await RawWorker.start({
        url,
        appId: CHAIN_APP,
        taskIds: ["fo_src", "fd_src", "fo_next", "fo_cron"],
        concurrency: options.concurrency,
        workerId: `failover-${CHAIN_APP}-${options.tag}`,
        onAssignment(assignment, receivedAt) {
          const args = assignment.arguments ?? {};
          if (assignment.taskId === "fo_src" || assignment.taskId === "fd_src") {
            ledger.sourceDeliveries++;
            ledger.sourceRuns.add(assignment.invocationId);
          } else if (assignment.taskId === "fo_next")
            ledger.fired("chain", String(args.c), assignment.invocationId, receivedAt);
          else ledger.fired("cron", `${args.n}:${args.slot}`, assignment.invocationId, receivedAt);
        },
        onCompleted(assignment, sentAt) {
          if (assignment.taskId === "fo_src") ledger.due("chain", String(assignment.arguments?.c), sentAt);
          if (assignment.taskId === "fd_src") ledger.due("deferred", String(assignment.arguments?.d), sentAt);
        },
      }),
    );
  if (options.deferredApp)
    workers.push(
      await RawWorker.start({
        url,
        appId: DEFERRED_APP,
        taskIds: ["fd_next"],
        concurrency: options.concurrency,
        workerId: `failover-${DEFERRED_APP}-${options.tag}`,
        functions: filterIds,
        onEvaluate: () => sleep(options.filterMs).then(() => true),
        onAssignment(assignment, receivedAt) {
          ledger.fired("deferred", String(assignment.arguments?.d), assignment.invocationId, receivedAt);
        },
      }),
    );
  return workers;
}

/** Invokes sources at a steady rate until `until` (wall clock), through `url` (the survivor). */
class Producer {
  private readonly inFlight = new Set<Promise<unknown>>();
  chains = 0;
  deferred = 0;
  errors: string[] = [];

  constructor(
    private readonly clients: ReturnType<typeof benchClients>,
    private readonly ledger: UnitLedger,
    private readonly plan: FailoverPlan,
  ) {}

  /** Produces until `until()` (read at every step: it moves once the kill happened). */
  async run(until: () => number): Promise<void> {
    const started = wallNow();
    while (wallNow() < until()) {
      const elapsed = (wallNow() - started) / 1000;
      while (this.chains < elapsed * this.plan.chainsPerSecond) this.send("chain", this.chains++);
      while (this.deferred < elapsed * this.plan.deferredPerSecond) this.send("deferred", this.deferred++);
      await sleep(20);
    }
    await Promise.all(this.inFlight);
  }

  private send(kind: "chain" | "deferred", i: number): void {
    this.ledger.expect(kind, String(i));
    const call = (
      kind === "chain" ? invoke(this.clients, "fo_src", { c: i }) : invoke(this.clients, "fd_src", { d: i })
    )
      .catch((error: unknown) => {
        this.errors.push(String(error));
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }
}

/** Entries `consumer` holds unacknowledged in `stream` (group "engine"). */
async function heldBy(ctx: BenchContext, stream: string, consumer: string): Promise<number> {
  const reply = (await ctx.redis.admin.xpending(stream, "engine").catch(() => null)) as
    | [number, string | null, string | null, Array<[string, string]> | null]
    | null;
  const row = reply?.[3]?.find(([name]) => name === consumer);
  return row ? Number(row[1]) : 0;
}

/** The consumer (replica) ids reading `stream` through group "engine". */
async function consumersOf(ctx: BenchContext, stream: string): Promise<string[]> {
  const reply = (await ctx.redis.admin.xinfo("CONSUMERS", stream, "engine").catch(() => [])) as unknown[][];
  return reply.map((fields) => String(fields[fields.indexOf("name") + 1]));
}

/**
 * The replica id of the victim: the only consumer of the deferred app's stream
 * (only the victim has a worker of that app, so only it reads the stream).
 */
async function victimConsumer(ctx: BenchContext, prefix: string): Promise<string | undefined> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const consumers = await consumersOf(ctx, `{${prefix}}:defer:${DEFERRED_APP}`);
    if (consumers.length === 1) return consumers[0];
    await sleep(50);
  }
  return undefined;
}

/** What `consumer` holds unacknowledged on the occurrence log and on the deferred stream. */
async function heldByConsumer(
  ctx: BenchContext,
  prefix: string,
  consumer: string,
): Promise<{ occurrences: number; deferred: number }> {
  const [occurrences, deferred] = await Promise.all([
    heldBy(ctx, `{${prefix}}:occ`, consumer),
    heldBy(ctx, `{${prefix}}:defer:${DEFERRED_APP}`, consumer),
  ]);
  return { occurrences, deferred };
}

/** Whether `consumer` holds an entry of `stream` handed to it less than `maxIdleMs` ago (and mentioning `text`). */
async function freshlyHeld(
  ctx: BenchContext,
  stream: string,
  consumer: string,
  maxIdleMs: number,
  text?: string,
): Promise<boolean> {
  const pending = (await ctx.redis.admin
    .xpending(stream, "engine", "-", "+", 1000, consumer)
    .catch(() => [])) as Array<[id: string, consumer: string, idleMs: number, deliveries: number]>;
  for (const [id, , idleMs] of pending) {
    if (Number(idleMs) >= maxIdleMs) continue;
    if (text === undefined) return true;
    const rows = await ctx.redis.admin.xrange(stream, id, id);
    if (rows.some(([, fields]) => fields.some((field) => field.includes(text)))) return true;
  }
  return false;
}

/**
 * Waits (at most `maxMs`) until the victim is in the middle of evaluating a deferred
 * chain's filter both for an occurrence it read from the log and for an evaluation it
 * read from the deferred stream (each handed to it less than half the filter's time
 * ago, so the kill comes before their trigger fires): every kill leaves work of both.
 */
async function untilHolding(
  ctx: BenchContext,
  prefix: string,
  consumer: string,
  plan: FailoverPlan,
): Promise<void> {
  const deadline = Date.now() + 3_000;
  const fresh = plan.filterMs / 2;
  while (Date.now() < deadline) {
    const [occurrence, deferred] = await Promise.all([
      freshlyHeld(ctx, `{${prefix}}:occ`, consumer, fresh, "fd_src"),
      freshlyHeld(ctx, `{${prefix}}:defer:${DEFERRED_APP}`, consumer, fresh),
    ]);
    if (occurrence && deferred) return;
    await sleep(5);
  }
}

/**
 * Watches what the killed replica held in Redis: its pending entries on the
 * occurrence log and the deferred stream, read every 250 ms until none is left.
 */
class BacklogWatch {
  held = { occurrences: 0, deferred: 0 };
  drainedAt: number | undefined;
  private first = true;

  constructor(
    private readonly ctx: BenchContext,
    private readonly prefix: string,
    private readonly consumer: string | undefined,
  ) {}

  async poll(): Promise<void> {
    if (this.drainedAt !== undefined || !this.consumer) return;
    const held = await heldByConsumer(this.ctx, this.prefix, this.consumer);
    if (this.first) this.held = held;
    this.first = false;
    // A replica forgotten as dead has its entries moved to the "released" consumer until a scan hands them out.
    const released = await heldByConsumer(this.ctx, this.prefix, RELEASED_CONSUMER);
    if (held.occurrences + held.deferred + released.occurrences + released.deferred === 0)
      this.drainedAt = wallNow();
  }
}

function kindResult(units: Unit[], killedAt: number, loadEnd: number, deadline: number): FailoverKindResult {
  const expected = units.filter((unit) => unit.expected);
  const steady: number[] = [];
  const waits: number[] = [];
  let lost = 0;
  for (const unit of expected) {
    if (unit.due === undefined || unit.firedAt === undefined || unit.firedAt > deadline) {
      lost++;
      continue;
    }
    if (unit.firedAt < killedAt) steady.push(unit.firedAt - unit.due);
    else if (unit.due <= loadEnd) waits.push(unit.firedAt - Math.max(unit.due, killedAt));
  }
  const all = [...units];
  const late = expected.filter(
    (unit) =>
      unit.due !== undefined &&
      unit.firedAt !== undefined &&
      unit.firedAt >= killedAt &&
      unit.due <= loadEnd &&
      unit.firedAt - Math.max(unit.due, killedAt) > LATE_MS,
  );
  const split = (created: boolean) => {
    const waits = late
      .filter((unit) => unit.createdAt !== undefined)
      .filter((unit) => unit.createdAt! - Math.max(unit.due!, killedAt) > LATE_MS === created)
      .map((unit) => (unit.firedAt! - Math.max(unit.due!, killedAt)) / 1000);
    return { count: waits.length, maxSeconds: waits.length ? Math.max(...waits) : 0 };
  };
  return {
    expected: expected.length,
    affected: waits.length,
    recoverySeconds: waits.length ? Math.max(...waits) / 1000 : 0,
    over3s: waits.filter((ms) => ms > 3_000).length,
    lost,
    duplicates: all.filter((unit) => unit.invocations.size > 1).length,
    redelivered: all.reduce((sum, unit) => sum + unit.deliveries - unit.invocations.size, 0),
    createdLate: split(true),
    deliveredLate: split(false),
    steadyLatenessMs: summarize(steady),
  };
}

/** Reads when the store created the triggered invocation of each unit that fired late (at most 500). */
async function readCreatedAt(
  clients: ReturnType<typeof benchClients>,
  ledger: UnitLedger,
  killedAt: number,
): Promise<void> {
  const late = [...ledger.units.values()].filter(
    (unit) =>
      unit.expected &&
      unit.due !== undefined &&
      unit.firedAt !== undefined &&
      unit.firstInvocation !== undefined &&
      unit.firedAt - Math.max(unit.due, killedAt) > LATE_MS,
  );
  for (const unit of late.slice(0, 500)) {
    const response = await clients.invocations
      .getInvocation({ id: unit.firstInvocation as string })
      .catch(() => undefined);
    const created = response?.invocation?.createdAt;
    if (created) unit.createdAt = timestampMs(created);
  }
}

/** The waits past the kill, for the chart. */
function waitsPastKill(ledger: UnitLedger, killedAt: number, loadEnd: number): number[] {
  const out: number[] = [];
  for (const unit of ledger.units.values()) {
    if (!unit.expected || unit.due === undefined || unit.firedAt === undefined) continue;
    if (unit.firedAt >= killedAt && unit.due <= loadEnd)
      out.push(unit.firedAt - Math.max(unit.due, killedAt));
  }
  return out;
}

/** The cron slots of [firstSlot, lastSlot] of every trigger: expected, due at their instant. */
function expectCronSlots(ledger: UnitLedger, triggers: number, firstSlot: number, lastSlot: number): void {
  for (let slot = firstSlot; slot <= lastSlot; slot += 1000)
    for (let n = 0; n < triggers; n++) ledger.expect("cron", `${n}:${slot}`, slot);
}

/** Kills the replica, then moves its workers, with their worker ids, to the survivor (as after a dropped connection). */
async function killAndReconnect(
  victim: Replica,
  victimWorkers: RawWorker[],
  survivorUrl: string,
  ledger: UnitLedger,
  filterIds: string[],
  plan: FailoverPlan,
): Promise<{ killedAt: number; workers: RawWorker[]; reconnectedAt: number }> {
  const killedAt = wallNow();
  await victim.kill();
  const deadline = Date.now() + 5_000;
  while (victimWorkers.some((worker) => worker.streamError === undefined) && Date.now() < deadline)
    await sleep(10);
  await Promise.all(victimWorkers.map((worker) => worker.stop()));
  const workers = await startWorkers(survivorUrl, ledger, filterIds, {
    chainApp: true,
    deferredApp: true,
    // The same worker ids: a worker process keeps its id when it connects again, so the survivor puts
    // back what it held on the dead replica's streams at once (a new id would wait for its lease).
    tag: "victim",
    concurrency: plan.workerConcurrency,
    filterMs: plan.filterMs,
  });
  return { killedAt, workers, reconnectedAt: wallNow() };
}

async function untilWallClock(time: number): Promise<void> {
  const wait = time - wallNow();
  if (wait > 0) await sleep(wait);
}

/** Registers both apps (through the survivor) and starts the workers: both apps on the victim, the chain app on the survivor. */
async function setUp(
  clients: ReturnType<typeof benchClients>,
  plan: FailoverPlan,
  urls: { victim: string; survivor: string },
  ledger: UnitLedger,
) {
  const decl = declarations(plan.cronTriggers, true);
  await registerApp(clients, CHAIN_APP, decl.chain);
  await registerApp(clients, DEFERRED_APP, decl.deferred);
  const common = { concurrency: plan.workerConcurrency, filterMs: plan.filterMs, chainApp: true };
  const victimWorkers = await startWorkers(urls.victim, ledger, decl.filterIds, {
    ...common,
    deferredApp: true,
    tag: "victim",
  });
  const survivorWorkers = await startWorkers(urls.survivor, ledger, decl.filterIds, {
    ...common,
    deferredApp: false,
    tag: "survivor",
  });
  return { filterIds: decl.filterIds, victimWorkers, survivorWorkers };
}

/** Waits until every expected unit fired and the killed replica's backlog drained, or the deadline. */
async function observe(ledger: UnitLedger, watch: BacklogWatch, deadline: number): Promise<void> {
  while (wallNow() < deadline && !(ledger.complete && watch.drainedAt !== undefined)) {
    await watch.poll().catch(() => undefined);
    await sleep(250);
  }
  // Late duplicates would show up here.
  await sleep(500);
}

/** Runs the case: load, kill, wait for every unit until the deadline; returns the figures. */
async function runCase(ctx: BenchContext, plan: FailoverPlan, replicas: Replica[], prefix: string) {
  const [victim, survivor] = replicas as [Replica, Replica];
  const clients = benchClients(survivor.url);
  const ledger = new UnitLedger();
  const workers: RawWorker[] = [];
  try {
    const setup = await setUp(clients, plan, { victim: victim.url, survivor: survivor.url }, ledger);
    workers.push(...setup.victimWorkers, ...setup.survivorWorkers);
    const loadStart = wallNow();
    const killAt = loadStart + plan.beforeKillMs;
    // Until the kill, the load is planned to end afterKillMs after the planned kill; then after the real one.
    let loadEnd = killAt + plan.afterKillMs;
    const producer = new Producer(clients, ledger, plan);
    const producing = producer.run(() => loadEnd);
    const consumer = await victimConsumer(ctx, prefix);
    await untilWallClock(killAt);
    if (consumer) await untilHolding(ctx, prefix, consumer, plan);
    const moved = await killAndReconnect(
      victim,
      setup.victimWorkers,
      survivor.url,
      ledger,
      setup.filterIds,
      plan,
    );
    workers.push(...moved.workers);
    const { killedAt } = moved;
    loadEnd = killedAt + plan.afterKillMs;
    // Cron slots from a whole second after both replicas indexed the triggers, until the load ends.
    const firstSlot = Math.ceil((loadStart + 1_500) / 1000) * 1000;
    expectCronSlots(ledger, plan.cronTriggers, firstSlot, Math.floor(loadEnd / 1000) * 1000);
    const watch = new BacklogWatch(ctx, prefix, consumer);
    await watch.poll().catch(() => undefined);
    ctx.log(
      `    killed one replica (SIGKILL) ${((killedAt - loadStart) / 1000).toFixed(1)} s into the load, holding ${watch.held.occurrences} occurrence(s) and ${watch.held.deferred} deferred evaluation(s)`,
    );
    await producing;
    const deadline = killedAt + plan.deadlineMs;
    await observe(ledger, watch, deadline);
    await readCreatedAt(clients, ledger, killedAt);
    const observedSeconds = (wallNow() - killedAt) / 1000;
    // Stop the cron triggers (through the survivor) before the replicas stop.
    const empty = declarations(plan.cronTriggers, false);
    await registerApp(clients, CHAIN_APP, empty.chain).catch(() => undefined);
    await registerApp(clients, DEFERRED_APP, empty.deferred).catch(() => undefined);
    return { ledger, killedAt, loadEnd, deadline, watch, moved, producer, observedSeconds };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    clients.close();
  }
}

/** What the run measured, from the ledger. */
function resultOf(plan: FailoverPlan, run: Awaited<ReturnType<typeof runCase>>): FailoverResult {
  const { ledger, killedAt, loadEnd, deadline, watch, moved } = run;
  const byKind = Object.fromEntries(
    KINDS.map((kind) => [kind, kindResult(ledger.of(kind), killedAt, loadEnd, deadline)]),
  ) as Record<Kind, FailoverKindResult>;
  const lost = KINDS.reduce((sum, kind) => sum + byKind[kind].lost, 0);
  const observed = Math.max(...KINDS.map((kind) => byKind[kind].recoverySeconds));
  const reclaimAfterMs = Number(process.env.NENC_RECLAIM_AFTER_MS || DEFAULT_RECLAIM_AFTER_MS);
  return {
    replicas: 2,
    plan,
    reclaimAfterMs,
    // Something never fired: it did not recover within the deadline (a lower bound).
    recoverySeconds: lost > 0 ? Math.max(observed, plan.deadlineMs / 1000) : observed,
    recoveryDefinition:
      "over every chain, cron slot and deferred chain still pending at the kill or due after it (until the load ended): the longest time from the kill (or from its due time, when later) until its triggered task's first assignment arrived at a worker",
    lost,
    duplicates: KINDS.reduce((sum, kind) => sum + byKind[kind].duplicates, 0),
    byKind,
    heldByKilledReplica: watch.held,
    backlogDrainedSeconds: watch.drainedAt === undefined ? null : (watch.drainedAt - killedAt) / 1000,
    workersReconnectedSeconds: (moved.reconnectedAt - killedAt) / 1000,
    sourceRedeliveries: ledger.sourceDeliveries - ledger.sourceRuns.size,
    observedSeconds: run.observedSeconds,
  };
}

export async function runFailover(ctx: BenchContext): Promise<void> {
  const plan = failoverPlan(ctx.quick);
  const prefix = `failover${Date.now().toString(36)}`;
  ctx.log(
    `(f) failover: two \`nenc serve --redis\` replicas, ${plan.chainsPerSecond} chains/s, ${plan.deferredPerSecond} deferred chains/s, ${plan.cronTriggers} triggers on "${PATTERN}"; one replica killed (SIGKILL) after ${plan.beforeKillMs / 1000} s`,
  );
  const replicas = await Promise.all(
    [0, 1].map((i) =>
      startReplica(
        ctx.redis.url,
        prefix,
        ctx.profileDir ? { dir: ctx.profileDir, name: `${SCENARIO}-replica${i}` } : undefined,
      ),
    ),
  );
  let run: Awaited<ReturnType<typeof runCase>>;
  try {
    run = await runCase(ctx, plan, replicas, prefix);
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop(5_000)));
  }
  const result = resultOf(plan, run);
  for (const error of run.producer.errors.slice(0, 3)) ctx.log(`    invoke failed: ${error}`);
  ctx.results.failover = result;
  ctx.series.push({
    panel: "(f) Failover: trigger delay past the kill (work pending at the kill or due after it)",
    label: "nenc-redis ×2, one killed",
    backend: "nenc-redis",
    samples: waitsPastKill(run.ledger, run.killedAt, run.loadEnd),
  });
  const k = result.byKind;
  ctx.log(
    `    recovery ${result.recoverySeconds.toFixed(2)} s (chains ${k.chain.recoverySeconds.toFixed(2)}, cron ${k.cron.recoverySeconds.toFixed(2)}, deferred ${k.deferred.recoverySeconds.toFixed(2)}); ${result.lost} lost, ${result.duplicates} duplicates; the killed replica held ${result.heldByKilledReplica.occurrences} occurrences and ${result.heldByKilledReplica.deferred} deferred evaluations, drained ${result.backlogDrainedSeconds === null ? "not within the deadline" : `${result.backlogDrainedSeconds.toFixed(1)} s after the kill`}`,
  );
  ctx.check(
    SCENARIO,
    "nenc-redis ×2",
    "nothing the killed replica held is lost or fired twice (chains, cron slots, deferred evaluations)",
    result.lost === 0 && result.duplicates === 0 && run.producer.errors.length === 0,
    `${KINDS.map((kind) => `${kind}: ${k[kind].expected} expected, ${k[kind].lost} lost, ${k[kind].duplicates} fired twice`).join("; ")}; ${run.producer.errors.length} invoke errors; deadline ${plan.deadlineMs / 1000} s after the kill`,
  );
}
