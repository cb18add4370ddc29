/**
 * An orchestrator process for the benchmark: `startNencServer` (memory or Redis
 * store) in its own Node process, as in production, driven by the parent over IPC
 * for what has no RPC or would be slow as RPCs (registering 100,000 triggers,
 * waiting until settled, counting SUCCESS notices, reporting its memory).
 *
 * Started by orchestrator.ts with `node --import tsx`; argv[2] is the JSON config.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import type { NencServer } from "nenc/server";
import { startNencServer } from "nenc/server";
import type { TriggerDefinition } from "../../src/domain/trigger.js";

interface ChildConfig {
  redisUrl?: string;
  redisPrefix?: string;
  retention?: Record<string, number>;
  logLevel?: "warn" | "error" | "silent";
  /** false: no HTTP side port, no metrics (`npm run bench -- --no-metrics`, and the metrics cost runs). */
  metrics?: boolean;
}

export type ChildRequest =
  | { id: number; cmd: "fillers"; count: number; tag: string; via: "create" | "registerApp" }
  | { id: number; cmd: "settled"; timeoutMs: number }
  | { id: number; cmd: "armSuccess"; target: number | null }
  | { id: number; cmd: "awaitSuccess"; timeoutMs: number; target?: number }
  | { id: number; cmd: "usage" }
  | { id: number; cmd: "profileStart" }
  | { id: number; cmd: "profileStop"; path: string }
  | { id: number; cmd: "stop" };

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
// Warnings are expected here (e.g. results for assignments released when a worker stream closes).
const level = config.logLevel ?? "error";
const log =
  (name: string, enabled: boolean) =>
  (message: string, fields?: Record<string, unknown>): void => {
    if (enabled) process.stderr.write(`[orchestrator ${name}] ${message} ${JSON.stringify(fields ?? {})}\n`);
  };
const logger = {
  debug() {},
  info() {},
  warn: log("warn", level === "warn"),
  error: log("error", level !== "silent"),
};

const server: NencServer = await startNencServer({
  port: 0,
  logger,
  ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
  ...(config.redisPrefix ? { redisPrefix: config.redisPrefix } : {}),
  ...(config.retention ? { retention: config.retention } : {}),
  ...(config.metrics === false ? { http: false as const } : {}),
});
const orchestrator = server.orchestrator;

let successCount = 0;
let successTarget = Number.POSITIVE_INFINITY;
let successReachedAt: number | undefined;
let successReply: (() => void) | undefined;
// Counted as the results land in the store (on Redis, final statuses are only
// announced while some client waits for one, and the benchmark's producers do not).
const work = orchestrator.store.work;
const finishAttempt = work.finishAttempt.bind(work);
work.finishAttempt = async (...args: Parameters<typeof finishAttempt>) => {
  const finished = await finishAttempt(...args);
  if (finished.applied && args[2].status === "SUCCESS") {
    successCount++;
    if (successCount >= successTarget && successReachedAt === undefined) {
      successReachedAt = performance.timeOrigin + performance.now();
      successReply?.();
    }
  }
  return finished;
};

/**
 * Registers `count` triggers that nothing in the benchmark ever fires: half on
 * event codes nobody emits, half on SUCCESS of tasks nobody invokes, all running
 * a filler task. Each has its own static argument so that every id differs.
 */
async function registerFillers(count: number, tag: string, via: "create" | "registerApp"): Promise<number> {
  const appId = `filler-${tag}`;
  const tasks = Array.from({ length: 10 }, (_, i) => ({ id: `filler_${tag}_${i}` }));
  await orchestrator.triggers.registerApp(appId, tasks, []);
  const definition = (i: number): Omit<TriggerDefinition, "appId"> => ({
    targetTaskId: `filler_${tag}_${i % 10}`,
    conditions:
      i % 2 === 0
        ? [{ kind: "event", code: `unrelated.${tag}.${i % 997}` }]
        : [{ kind: "status", taskId: `filler_${tag}_${(i + 1) % 10}`, statuses: ["SUCCESS"] }],
    logic: "and",
    providers: [{ kind: "static", value: { n: i } }],
    join: { withinMs: 0, correlationKey: "", maxPending: 0 },
  });
  if (via === "registerApp") {
    // One registration per app of at most `chunk` triggers (a registration replaces the app's declared set).
    const chunk = 5_000;
    for (let start = 0; start < count; start += chunk) {
      const chunkApp = `${appId}-${start / chunk}`;
      const chunkTasks = [{ id: `filler_${tag}_c${start / chunk}` }];
      const defs = [];
      for (let i = start; i < Math.min(count, start + chunk); i++)
        defs.push({ ...definition(i), targetTaskId: chunkTasks[0]!.id });
      await orchestrator.triggers.registerApp(chunkApp, chunkTasks, defs);
    }
  } else {
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < count; i++) {
      const p = orchestrator.triggers.create({ ...definition(i), appId }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 256) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }
  return orchestrator.index.size;
}

/** The V8 profiler of this process (a CPU profile of one case, without --cpu-prof for the whole process). */
let profiler: Session | undefined;

function post(session: Session, method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function profileStart(): Promise<void> {
  profiler = new Session();
  profiler.connect();
  await post(profiler, "Profiler.enable");
  await post(profiler, "Profiler.start");
}

/** Stops the profiler and writes the profile (.cpuprofile JSON) to `path`. */
async function profileStop(path: string): Promise<void> {
  if (!profiler) throw new Error("profileStop: the profiler was not started");
  const { profile } = (await post(profiler, "Profiler.stop")) as { profile: unknown };
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(path, JSON.stringify(profile));
}

async function handle(request: ChildRequest): Promise<unknown> {
  switch (request.cmd) {
    case "fillers":
      return { indexSize: await registerFillers(request.count, request.tag, request.via) };
    case "settled":
      await orchestrator.settled(request.timeoutMs);
      return {};
    case "armSuccess":
      successCount = 0;
      successTarget = request.target ?? Number.POSITIVE_INFINITY;
      successReachedAt = undefined;
      return {};
    case "awaitSuccess": {
      if (request.target !== undefined) {
        successTarget = request.target;
        if (successCount >= successTarget && successReachedAt === undefined)
          successReachedAt = performance.timeOrigin + performance.now();
      }
      if (successReachedAt === undefined) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          successReply = resolve;
          timer = setTimeout(resolve, request.timeoutMs);
        });
        clearTimeout(timer);
        successReply = undefined;
      }
      return { at: successReachedAt ?? null, count: successCount };
    }
    case "usage":
      return {
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
        indexSize: orchestrator.index.size,
        stats: await orchestrator.store.stats(),
      };
    case "profileStart":
      await profileStart();
      return {};
    case "profileStop":
      await profileStop(request.path);
      return { path: request.path };
    case "stop":
      await server.stop();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on("message", (raw) => {
  const request = raw as ChildRequest;
  handle(request).then(
    (value) => process.send?.({ id: request.id, ok: true, value }),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
// The benchmark process went away: do not outlive it.
process.on("disconnect", () => {
  setTimeout(() => process.exit(1), 2000).unref();
  void server.stop().finally(() => process.exit(0));
});
process.send?.({
  ready: true,
  url: server.url,
  pid: process.pid,
  store: config.redisUrl ? "redis" : "memory",
});
