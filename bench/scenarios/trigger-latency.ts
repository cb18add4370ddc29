/**
 * (a) Trigger latency: source task SUCCESS reported → triggered invocation delivered
 * to a worker. Both timestamps are taken in the worker process (one clock):
 * - nenc: a raw worker stamps the moment it hands `completed` of the source
 *   assignment to its stream, and the moment the triggered task's assignment arrives
 *   (an `onSuccess(source)` trigger registered with RegisterApp; the chain number
 *   travels as an argument built by CEL from the source's arguments);
 * - BullMQ: the idiomatic chain, `worker.on("completed", job => queue.add(next))`,
 *   from the source processor returning to the next job's processor starting.
 * Chains run one at a time, then 50 in flight. Every chain must deliver its triggered
 * task exactly once.
 */
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { Queue, Worker } from "bullmq";
import { bullConnection, flushRedis, startNenc } from "../lib/backends.js";
import { type Backend, type BenchContext, withCommandStats } from "../lib/context.js";
import type { ChildOrchestrator } from "../lib/orchestrator.js";
import { RawWorker } from "../lib/raw-worker.js";
import { sleep, summarize, wallNow } from "../lib/stats.js";

const SCENARIO = "trigger-latency";
const CHAIN_TIMEOUT_MS = 15_000;

interface ChainRun {
  samples: number[];
  total: number;
  sources: number;
  triggered: Map<number, number>;
  lost: number;
  elapsedMs: number;
}

/** Runs `total` chains with `inFlight` lanes; each lane starts its next chain when the previous ended. */
async function runLanes(
  total: number,
  inFlight: number,
  chain: (i: number) => Promise<boolean>,
): Promise<{ lost: number; elapsedMs: number }> {
  let next = 0;
  let lost = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < total) {
      const i = next++;
      if (!(await chain(i))) lost++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { lost, elapsedMs: performance.now() - started };
}

/** One promise per chain, resolved true when its triggered task completed, false after the timeout. */
function waiterSet() {
  const waiters = new Map<number, () => void>();
  return {
    wait(i: number): Promise<boolean> {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(i);
          resolve(false);
        }, CHAIN_TIMEOUT_MS);
        waiters.set(i, () => {
          clearTimeout(timer);
          waiters.delete(i);
          resolve(true);
        });
      });
    },
    done(i: number): void {
      waiters.get(i)?.();
    },
  };
}

/**
 * Per-chain bookkeeping shared by both backends: when each chain's source finished, how
 * often its triggered task arrived, and one latency sample per chain past the warm-up
 * (a duplicate delivery is counted, never sampled).
 */
function chainRecorder(warmup: number) {
  const sourceFinishedAt = new Map<number, number>();
  const triggered = new Map<number, number>();
  const samples: number[] = [];
  let sources = 0;
  return {
    waiters: waiterSet(),
    sourceStarted(): void {
      sources++;
    },
    sourceFinished(chain: number, at: number): void {
      sourceFinishedAt.set(chain, at);
    },
    triggeredStarted(chain: number, at: number): void {
      triggered.set(chain, (triggered.get(chain) ?? 0) + 1);
      const sent = sourceFinishedAt.get(chain);
      if (sent !== undefined && chain >= warmup && triggered.get(chain) === 1) samples.push(at - sent);
    },
    result(total: number, lost: number, elapsedMs: number): ChainRun {
      return { samples, total, sources, triggered, lost, elapsedMs };
    },
  };
}

type ChainRecorder = ReturnType<typeof chainRecorder>;

/** A raw worker for both tasks of a nenc chain: stamps `completed` handed over and assignments arriving. */
function startNencChainWorker(
  url: string,
  appId: string,
  sourceTask: string,
  triggeredTask: string,
  recorder: ChainRecorder,
): Promise<RawWorker> {
  return RawWorker.start({
    url,
    appId,
    taskIds: [sourceTask, triggeredTask],
    concurrency: 64,
    onAssignment(assignment, receivedAt) {
      const chain = Number(assignment.arguments?.chain);
      if (assignment.taskId === sourceTask) recorder.sourceStarted();
      else recorder.triggeredStarted(chain, receivedAt);
    },
    onCompleted(assignment, sentAt) {
      const chain = Number(assignment.arguments?.chain);
      if (assignment.taskId === sourceTask) recorder.sourceFinished(chain, sentAt);
      else recorder.waiters.done(chain);
    },
  });
}

/** nenc chains: an `onSuccess(source)` trigger whose CEL arguments carry the chain number on. */
async function nencChains(
  ctx: BenchContext,
  orchestrator: ChildOrchestrator,
  backend: Exclude<Backend, "bullmq">,
  total: number,
  inFlight: number,
  warmup: number,
): Promise<ChainRun> {
  const appId = `latency${inFlight}`;
  const sourceTask = `lat_source_${inFlight}`;
  const triggeredTask = `lat_triggered_${inFlight}`;
  const app = new Nenc({ url: orchestrator.url, appId });
  try {
    const source = app.task(sourceTask, async () => null);
    app.task(triggeredTask, async () => null, {
      triggers: new TriggerBuilder().onSuccess(source).withArgsFromCel("{'chain': arguments.chain}"),
    });
    await app.register();
    const recorder = chainRecorder(warmup);
    const worker = await startNencChainWorker(orchestrator.url, appId, sourceTask, triggeredTask, recorder);
    const run = async () => {
      const result = await runLanes(total, inFlight, async (i) => {
        const done = recorder.waiters.wait(i);
        await app.invoke(sourceTask, { chain: i });
        return done;
      });
      await orchestrator.call("settled", { timeoutMs: 30_000 });
      return result;
    };
    const { lost, elapsedMs } = await withCommandStats(
      ctx,
      `${SCENARIO} (${inFlight} in flight)`,
      backend,
      "chain",
      () => total,
      run,
      orchestrator,
    );
    await sleep(200); // Late duplicates would show up here.
    await worker.stop();
    return recorder.result(total, lost, elapsedMs);
  } finally {
    await app.close();
  }
}

/** A BullMQ worker running the idiomatic chain: when the source completes, add the next job. */
function startBullChainWorker(
  queue: Queue,
  connection: ReturnType<typeof bullConnection>,
  recorder: ChainRecorder,
): Worker {
  const worker = new Worker(
    queue.name,
    async (job) => {
      const startedAt = wallNow();
      const chain = Number(job.data.chain);
      if (job.name === "source") {
        recorder.sourceStarted();
        recorder.sourceFinished(chain, wallNow());
        return null;
      }
      recorder.triggeredStarted(chain, startedAt);
      return null;
    },
    { connection, concurrency: 64 },
  );
  worker.on("completed", (job) => {
    if (job.name === "source") void queue.add("triggered", { chain: job.data.chain });
    else recorder.waiters.done(Number(job.data.chain));
  });
  return worker;
}

/** BullMQ chains, for reference: from the source processor returning to the next processor starting. */
async function bullChains(
  ctx: BenchContext,
  total: number,
  inFlight: number,
  warmup: number,
): Promise<ChainRun> {
  await flushRedis(ctx);
  const name = `latency${inFlight}`;
  const connection = bullConnection(ctx);
  const queue = new Queue(name, {
    connection,
    defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: { count: 100_000 } },
  });
  const recorder = chainRecorder(warmup);
  const worker = startBullChainWorker(queue, connection, recorder);
  await worker.waitUntilReady();
  try {
    const { lost, elapsedMs } = await withCommandStats(
      ctx,
      `${SCENARIO} (${inFlight} in flight)`,
      "bullmq",
      "chain",
      () => total,
      () =>
        runLanes(total, inFlight, async (i) => {
          const done = recorder.waiters.wait(i);
          await queue.add("source", { chain: i });
          return done;
        }),
    );
    await sleep(200);
    return recorder.result(total, lost, elapsedMs);
  } finally {
    await worker.close();
    await queue.close();
  }
}

function verify(ctx: BenchContext, backend: Backend, label: string, run: ChainRun): void {
  const duplicates = [...run.triggered.values()].filter((n) => n > 1).length;
  const missing = run.total - run.triggered.size;
  ctx.check(
    `${SCENARIO} ${label}`,
    backend,
    "every chain's source ran once and its triggered task was delivered exactly once",
    run.sources === run.total && missing === 0 && duplicates === 0 && run.lost === 0,
    `${run.total} chains: ${run.sources} sources, ${run.triggered.size} triggered, ${duplicates} duplicated, ${missing} missing, ${run.lost} timed out`,
  );
}

/** Scenario (a): trigger latency one chain at a time and 50 in flight, on every backend given. */
export async function runTriggerLatency(ctx: BenchContext, backends: readonly Backend[]): Promise<void> {
  const modes = [
    { inFlight: 1, total: ctx.quick ? 120 : 1_000, warmup: ctx.quick ? 30 : 100 },
    { inFlight: 50, total: ctx.quick ? 200 : 2_500, warmup: ctx.quick ? 60 : 250 },
  ];
  const rows: unknown[] = [];
  for (const backend of backends) {
    // One orchestrator per backend for both modes (each mode has its own app and tasks).
    const orchestrator = backend === "bullmq" ? undefined : await startNenc(ctx, backend, SCENARIO);
    for (const mode of modes) {
      const label = mode.inFlight === 1 ? "sequential" : `${mode.inFlight} in flight`;
      ctx.log(`(a) trigger latency, ${label}, ${backend}: ${mode.total} chains`);
      const run =
        backend === "bullmq" || !orchestrator
          ? await bullChains(ctx, mode.total, mode.inFlight, mode.warmup)
          : await nencChains(ctx, orchestrator, backend, mode.total, mode.inFlight, mode.warmup);
      verify(ctx, backend, label, run);
      const summary = summarize(run.samples);
      ctx.series.push({
        panel: `(a) Trigger latency, ${label === "sequential" ? "one chain at a time" : label}`,
        label: backend,
        backend,
        samples: run.samples,
      });
      ctx.log(
        `    p50 ${summary.p50.toFixed(2)} ms  p90 ${summary.p90.toFixed(2)}  p99 ${summary.p99.toFixed(2)}  max ${summary.max.toFixed(2)}  (${(run.total / (run.elapsedMs / 1000)).toFixed(0)} chains/s)`,
      );
      rows.push({
        backend,
        inFlight: mode.inFlight,
        chains: mode.total,
        warmup: mode.warmup,
        chainsPerSecond: run.total / (run.elapsedMs / 1000),
        latencyMs: summary,
      });
    }
    await orchestrator?.stop();
  }
  ctx.results.triggerLatency = rows;
}
