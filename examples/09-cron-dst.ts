/**
 * Cron in a time zone with daylight saving: what a nightly 02:30 job does on the two
 * nights a year the clock jumps. On 29 March 2026 Berlin's clocks go from 02:00 to
 * 03:00 (02:30 never happens); on 25 October they go back from 03:00 to 02:00 (02:30
 * happens twice). Each trigger says what it wants, and preview shows it before it
 * happens. Run: npx tsx examples/09-cron-dst.ts
 */

import { TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample } from "./lib/harness.js";

const ZONE = { timezone: "Europe/Berlin" };

await runExample("cron across daylight saving", "dst", async (app) => {
  // Defaults: a skipped 02:30 runs at 03:00, the first instant after the gap; a repeated one runs once.
  app.task("backup", async () => "backed up", { triggers: new TriggerBuilder().onCron("30 2 * * *", ZONE) });
  // A report that must not run at a shifted time, and must not run twice either.
  app.task("report", async () => "reported", {
    triggers: new TriggerBuilder().onCron("30 2 * * *", { ...ZONE, skippedHour: "skip" }),
  });
  // Hourly metering: every real hour counts, the repeated one too.
  app.task("meter", async () => "metered", {
    triggers: new TriggerBuilder().onCron("0 2 * * *", { ...ZONE, repeatedHour: "twice" }),
  });
  await app.register();
  const idOf = async (task: string) => (await app.trigger.list({ targetTaskId: task }))[0]?.id ?? "";
  const around = async (task: string, after: string) =>
    (await app.trigger.preview(await idOf(task), { count: 3, after: new Date(after) })).map((time) =>
      time.toISOString(),
    );

  const spring = await around("backup", "2026-03-28T00:00:00Z");
  console.log("backup in March:", spring);
  expectEqual(
    spring,
    // 02:30 CET, 03:00 CEST (the first instant after the gap), 02:30 CEST.
    ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
    "backup runs at 03:00 on the night 02:30 does not exist",
  );
  const skipped = await around("report", "2026-03-28T00:00:00Z");
  console.log("report in March:", skipped);
  expectEqual(
    skipped,
    ["2026-03-28T01:30:00.000Z", "2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"],
    "report skips the night 02:30 does not exist",
  );
  const fall = await around("meter", "2026-10-24T12:00:00Z");
  console.log("meter in October:", fall);
  expectEqual(
    fall,
    // 02:00 CEST, then 02:00 CET an hour later, then the next night's.
    ["2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-26T01:00:00.000Z"],
    "meter runs at both 02:00s of the night the clock goes back",
  );
});
