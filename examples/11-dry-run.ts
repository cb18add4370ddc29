/**
 * Dry run: before changing a trigger, ask what it would do. A stored trigger against
 * an occurrence you describe, a new definition before you store it, and a stored
 * trigger against what really happened lately. Nothing fires, nothing is recorded.
 * Run: npx tsx examples/11-dry-run.ts
 */

import { cel, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

await runExample("dry run", "shop", async (app, server) => {
  const order = app.task("order", async ({ total }: { total: number }) => ({ total }));
  app.task("vip_thanks", async ({ total }: { total: number }) => `thanks for ${total}`, {
    triggers: new TriggerBuilder()
      .onResult(order, { filterResult: cel("result.total >= 500") })
      .withArgsFromCel("{'total': result.total}"),
  });
  await app.startWorker();
  const [vip] = await app.trigger.list({ targetTaskId: "vip_thanks" });
  const id = vip?.id ?? "";

  // An occurrence described by hand: a large order's result.
  const large = await app.trigger.dryRun(id, {
    context: { kind: "result", taskId: "order", result: { total: 900 } },
  });
  console.log("a 900 order:", large.wouldFire, large.arguments, large.detail);
  expectEqual([large.wouldFire, large.arguments], [true, { total: 900 }], "a large order would be thanked");

  // A definition before it is stored: would a lower threshold catch a 300 order?
  const lower = new TriggerBuilder()
    .onResult(order, { filterResult: cel("result.total >= 250") })
    .withArgsFromCel("{'total': result.total}");
  const candidate = await app.trigger.dryRun(lower, {
    context: { kind: "result", taskId: "order", result: { total: 300 } },
    target: "vip_thanks",
  });
  expectEqual(candidate.wouldFire, true, "the lower threshold would catch a 300 order");

  // What really happened lately, replayed against the stored trigger.
  for (const total of [100, 700]) await (await order.invoke({ total })).result();
  await settle(server);
  const replays = await app.trigger.dryRun(id, { recent: 10 });
  console.log(
    "replayed:",
    replays.map((replay) => `${replay.occurrenceId}: ${replay.detail}`),
  );
  expectEqual(
    replays.map((replay) => replay.wouldFire),
    [true, false],
    "of the two recent orders, the 700 one would be thanked (newest first)",
  );
  expectEqual((await runsOf(app, "vip_thanks")).length, 1, "only the live 700 order was thanked");
});
