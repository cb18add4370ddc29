/** What every scenario gets: the mode, the shared redis-server, and where results and checks go. */
import type { ChildOrchestrator } from "./orchestrator.js";
import type { BenchRedis } from "./redis.js";
import { commandDelta, commandStats, redisCpuSeconds } from "./redis.js";
import type { Summary } from "./stats.js";

export type Backend = "nenc-memory" | "nenc-redis" | "bullmq";
export const BACKENDS: readonly Backend[] = ["nenc-memory", "nenc-redis", "bullmq"];

export interface Check {
  scenario: string;
  backend: string;
  what: string;
  ok: boolean;
  detail: string;
}

export interface CommandReport {
  scenario: string;
  backend: string;
  /** What the counts are divided by, e.g. "chain" or "slot firing". */
  unit: string;
  units: number;
  totalCalls: number;
  perUnit: number;
  /** Top commands by calls, per unit. */
  top: Array<{ command: string; perUnit: number }>;
  redisCpuSeconds: number;
  /**
   * Requests the nenc orchestrator sent to Redis per unit (its round trips: script
   * calls, reads, blocking reads; commands run inside scripts are not requests).
   * Undefined for BullMQ and for replicas without the benchmark's IPC.
   */
  requestsPerUnit?: number;
}

export interface Series {
  /** The chart panel, e.g. "Trigger latency, one chain at a time". */
  panel: string;
  /** The legend, e.g. "nenc-memory". */
  label: string;
  backend: string;
  samples: number[];
}

export interface BenchContext {
  readonly quick: boolean;
  /** Orchestrators keep and serve their metrics (`--no-metrics`: they do not). */
  readonly metrics: boolean;
  readonly redis: BenchRedis;
  readonly profileDir: string | undefined;
  readonly results: Record<string, unknown>;
  readonly checks: Check[];
  readonly commands: CommandReport[];
  /** Latency samples for the chart. */
  readonly series: Series[];
  log(message: string): void;
  check(scenario: string, backend: string, what: string, ok: boolean, detail: string): void;
}

export function createContext(options: {
  quick: boolean;
  metrics: boolean;
  redis: BenchRedis;
  profileDir: string | undefined;
}): BenchContext {
  const started = Date.now();
  const checks: Check[] = [];
  return {
    ...options,
    results: {},
    checks,
    commands: [],
    series: [],
    log(message) {
      const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
      process.stdout.write(`[${elapsed}s] ${message}\n`);
    },
    check(scenario, backend, what, ok, detail) {
      checks.push({ scenario, backend, what, ok, detail });
      if (!ok) process.stdout.write(`  ✘ CHECK FAILED ${scenario} / ${backend}: ${what}: ${detail}\n`);
    },
  };
}

/**
 * Runs `body` with Redis command statistics reset before and read after, and records
 * the calls per unit of work (`units()` is read after the body ran).
 */
export async function withCommandStats<T>(
  ctx: BenchContext,
  scenario: string,
  backend: string,
  unit: string,
  units: (result: T) => number,
  body: () => Promise<T>,
  orchestrator?: ChildOrchestrator,
): Promise<T> {
  if (backend === "nenc-memory") return body(); // Nothing of Redis to count.
  const requestsBefore = await requestsSent(orchestrator);
  await ctx.redis.admin.config("RESETSTAT");
  const before = await commandStats(ctx.redis.admin);
  const cpuBefore = await redisCpuSeconds(ctx.redis.admin);
  const result = await body();
  const after = await commandStats(ctx.redis.admin);
  const cpuAfter = await redisCpuSeconds(ctx.redis.admin);
  const delta = commandDelta(before, after);
  // The two INFO calls of this measurement are not the scenario's.
  for (const name of ["info", "config|resetstat"]) delta.delete(name);
  const requestsAfter = await requestsSent(orchestrator);
  const n = units(result);
  const total = [...delta.values()].reduce((a, b) => a + b, 0);
  ctx.commands.push({
    scenario,
    backend,
    unit,
    units: n,
    totalCalls: total,
    perUnit: n > 0 ? total / n : Number.NaN,
    top: [...delta.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([command, calls]) => ({ command, perUnit: n > 0 ? calls / n : Number.NaN })),
    redisCpuSeconds: cpuAfter - cpuBefore,
    ...(requestsBefore !== undefined && requestsAfter !== undefined && n > 0
      ? { requestsPerUnit: (requestsAfter - requestsBefore) / n }
      : {}),
  });
  return result;
}

/** Requests the orchestrator process has sent to Redis so far (its store counts them). */
async function requestsSent(orchestrator: ChildOrchestrator | undefined): Promise<number | undefined> {
  if (orchestrator?.store !== "redis") return undefined;
  const usage = await orchestrator.call<{ stats: { requests?: number } }>("usage");
  return usage.stats.requests;
}

export interface LatencyRow {
  backend: Backend;
  label: string;
  summary: Summary;
}
