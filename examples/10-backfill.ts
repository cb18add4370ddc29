/**
 * Backfill after an outage: a nightly report missed three nights while it was down.
 * `app.trigger.backfill` runs each missed night once, with the arguments the live
 * slot would have had; asked again (a retry, a second operator), it runs none twice.
 * Run: npx tsx examples/10-backfill.ts
 */

import { TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

await runExample("backfill after an outage", "reports", async (app, server) => {
  app.task(
    "nightly_report",
    async ({ night }: { night: number }) => new Date(night).toISOString().slice(0, 10),
    {
      triggers: new TriggerBuilder().onCron("0 3 * * *").withArgsFromCel("{'night': scheduledTime}"),
    },
  );
  await app.startWorker();
  const [trigger] = await app.trigger.list({ targetTaskId: "nightly_report" });
  const outage = { from: new Date("2026-01-10T00:00:00Z"), to: new Date("2026-01-12T23:59:59Z") };

  const first = await app.trigger.backfill(trigger?.id ?? "", outage);
  console.log("backfill:", first);
  expectEqual(first, { slots: 3, fired: 3, deduplicated: 0, other: 0 }, "the three missed nights fire");
  const again = await app.trigger.backfill(trigger?.id ?? "", outage);
  console.log("again:", again);
  expectEqual(again, { slots: 3, fired: 0, deduplicated: 3, other: 0 }, "asked again, none fires twice");

  await settle(server);
  const nights = (await runsOf(app, "nightly_report")).map((run) => run.result).sort();
  expectEqual(
    nights,
    ["2026-01-10", "2026-01-11", "2026-01-12"],
    "each night's report ran once, for its night",
  );
});
