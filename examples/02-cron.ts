/**
 * Seed: "Cron-Based Task Scheduling". One task every minute, one every 30 minutes.
 *
 * So that both schedules visibly fire within seconds, this example runs the
 * orchestrator on a time-lapse clock: one real second is ten scheduled minutes.
 * In production the clock is the real one; nothing else differs.
 * Run: npx tsx examples/02-cron.ts
 */
import { TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf } from "./lib/harness.js";

const SPEEDUP = 600;
const scheduledStart = Date.parse("2026-01-01T08:59:00.000Z");
// Time stands at 08:59 until the worker is up (start-up speed must not matter), then flies.
let realStart: number | undefined;
const timeLapse = {
  now: () => scheduledStart + (realStart === undefined ? 0 : (Date.now() - realStart) * SPEEDUP),
  schedule(ms: number, callback: () => void) {
    const timer = setTimeout(callback, Math.max(0, ms / SPEEDUP));
    return () => clearTimeout(timer);
  },
};

await runExample(
  "cron-based task scheduling",
  "cron",
  async (app) => {
    // Task that runs every minute
    app.task("scheduled_task", async () => `Executed at ${Date.now() / 1000}`, {
      triggers: new TriggerBuilder().onCron("* * * * *"),
    });

    // Task that runs every 30 minutes
    app.task("half_hour_task", async () => `Executed at half hour: ${Date.now() / 1000}`, {
      triggers: new TriggerBuilder().onCron("*/30 * * * *"),
    });

    await app.startWorker();
    realStart = Date.now();
    // By 10:05 the half-hour task ran at 09:00, 09:30 and 10:00.
    const deadline = Date.parse("2026-01-01T10:05:00.000Z");
    while (timeLapse.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const minutes = await runsOf(app, "scheduled_task");
    const halfHours = await runsOf(app, "half_hour_task");
    if (minutes.length < 60)
      throw new Error(`scheduled_task ran ${minutes.length} times; expected one per minute`);
    expectEqual(halfHours.length, 3, "half_hour_task ran at 09:00, 09:30 and 10:00");
    expectEqual(
      halfHours.every(
        (run) => typeof run.result === "string" && String(run.result).startsWith("Executed at half hour"),
      ),
      true,
      "half_hour_task results",
    );
  },
  // Leases and sweeps are in scheduled time too: keep them at their real-time lengths.
  {
    orchestrator: {
      clock: timeLapse,
      leaseMs: 15_000 * SPEEDUP,
      sweepIntervalMs: 250 * SPEEDUP,
      cronGraceMs: 60_000,
    },
  },
);
