/**
 * Seed: "Cron-Based Task Scheduling". One task every minute, one every 30 minutes.
 *
 * So that both schedules visibly fire within seconds, this example runs the
 * orchestrator on a time-lapse clock: one real second is ten scheduled minutes.
 * In production the clock is the real one; nothing else differs.
 * Run: npx tsx examples/02-cron.ts
 */

import type { InvocationInfo } from "@nenc/sdk";
import { TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

const SPEEDUP = 600;
const scheduledStart = Date.parse("2026-01-01T08:59:00.000Z");
// Time stands at 08:59 until the worker is up (start-up speed must not matter), then
// flies until it stops at `stopAt`, so the slots that ran can be counted exactly.
const stopAt = Date.parse("2026-01-01T10:04:30.000Z");
let realStart: number | undefined;
const timeLapse = {
  now: () =>
    Math.min(stopAt, scheduledStart + (realStart === undefined ? 0 : (Date.now() - realStart) * SPEEDUP)),
  schedule(ms: number, callback: () => void) {
    const timer = setTimeout(callback, Math.max(0, ms / SPEEDUP));
    return () => clearTimeout(timer);
  },
};

await runExample(
  "cron-based task scheduling",
  "cron",
  async (app, server) => {
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
    // Between 08:59 and 10:04:30 the minute slots are 09:00 … 10:04 and the half-hour
    // slots 09:00, 09:30 and 10:00: each runs exactly once, none at start-up.
    while (timeLapse.now() < stopAt) await new Promise((resolve) => setTimeout(resolve, 50));
    await settle(server);
    const minuteSlots = Array.from({ length: 65 }, (_, i) => scheduledStart + (i + 1) * 60_000);
    expectEqual(
      scheduledSlots(await runsOf(app, "scheduled_task")),
      minuteSlots,
      "scheduled_task ran once per minute slot from 09:00 to 10:04",
    );
    const halfHours = await runsOf(app, "half_hour_task");
    expectEqual(
      scheduledSlots(halfHours),
      ["09:00", "09:30", "10:00"].map((hhmm) => Date.parse(`2026-01-01T${hhmm}:00.000Z`)),
      "half_hour_task ran at 09:00, 09:30 and 10:00",
    );
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

/** The scheduled slot (ms) of each cron run, from its occurrence id `cron:<trigger>:<condition>:<time>`, sorted. */
function scheduledSlots(runs: InvocationInfo[]): number[] {
  return runs
    .flatMap((run) => run.provenance?.occurrenceIds ?? [])
    .map((id) => Number(id.split(":").at(-1)))
    .sort((a, b) => a - b);
}
