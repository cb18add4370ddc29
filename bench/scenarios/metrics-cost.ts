/**
 * (b') What the metrics cost: dispatch throughput at concurrency 16 with the
 * orchestrator's metrics on (as `nenc serve` runs) and off (`http: false`), on each
 * store, in alternating pairs (on/off, then off/on, ...) so that drift of the machine
 * during the run falls on both sides alike. Reports each side's median and their
 * ratio; the goal is a ratio of at least 0.95 (docs/design.md §5).
 */
import { flushRedis, startNenc } from "../lib/backends.js";
import type { BenchContext } from "../lib/context.js";
import { percentile, round } from "../lib/stats.js";
import { checkRun, nencRun } from "./throughput.js";

const SCENARIO = "metrics cost";
const CONCURRENCY = 16;
const PAIRS = 3;

export interface MetricsCostRow {
  backend: "nenc-memory" | "nenc-redis";
  concurrency: number;
  /** jobs/s of each run, in run order. */
  on: number[];
  off: number[];
  /** median(on) / median(off). */
  ratio: number;
}

export async function runMetricsCost(ctx: BenchContext): Promise<void> {
  const rows: MetricsCostRow[] = [];
  for (const backend of ["nenc-memory", "nenc-redis"] as const) {
    const runs = { on: [] as number[], off: [] as number[] };
    for (let pair = 0; pair < PAIRS; pair++) {
      const order = pair % 2 === 0 ? [true, false] : [false, true];
      for (const metrics of order) {
        if (backend === "nenc-redis") await flushRedis(ctx);
        const orchestrator = await startNenc(ctx, backend, SCENARIO, metrics);
        try {
          ctx.log(`(b') metrics ${metrics ? "on" : "off"}, concurrency ${CONCURRENCY}, ${backend}`);
          const run = await nencRun(ctx, orchestrator, backend, CONCURRENCY, 2_500, 2_500, false);
          checkRun(ctx, `${SCENARIO}, metrics ${metrics ? "on" : "off"}`, backend, run);
          const jobsPerSecond = run.windowCompleted / run.windowSeconds;
          (metrics ? runs.on : runs.off).push(round(jobsPerSecond, 1));
          ctx.log(`    ${jobsPerSecond.toFixed(0)} jobs/s`);
        } finally {
          await orchestrator.stop();
        }
      }
    }
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const ratio = round(median(runs.on) / median(runs.off), 3);
    ctx.log(`    ${backend}: metrics on / off = ${ratio}`);
    rows.push({ backend, concurrency: CONCURRENCY, ...runs, ratio });
  }
  ctx.results.metricsCost = rows;
}
