/**
 * Seed: "Handling Task Results and Statuses". Five handlers of division_task:
 * on SUCCESS, on any result, on exactly 2.5, and SUCCESS combined with any result
 * by AND and by OR. One successful division is one occurrence, so every matching
 * handler runs exactly once for it (OR never runs twice: docs/design.md §3.3).
 * Run: npx tsx examples/03-statuses-and-results.ts
 */
import { InvocationStatus, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

class ZeroDivisionError extends Error {}

await runExample("task results and statuses", "division", async (app, server) => {
  const divisionTask = app.task("division_task", async ({ x, y }: { x: number; y: number }) => {
    if (y === 0) throw new ZeroDivisionError("division by zero");
    return x / y;
  });

  // Trigger on successful completion
  app.task("success_handler", async () => "Division completed successfully", {
    triggers: new TriggerBuilder().onStatus(divisionTask, { statuses: ["SUCCESS"] }),
  });

  // Trigger on any result
  app.task("result_handler", async () => "Division produced a result or error", {
    triggers: new TriggerBuilder().onAnyResult(divisionTask),
  });

  // Trigger on specific result value
  app.task("specific_result_handler", async () => "Division produced exactly 2.5", {
    triggers: new TriggerBuilder().onResult(divisionTask, { filterResult: 2.5 }),
  });

  // Combine conditions with AND logic
  app.task("combined_and_trigger", async () => "Both conditions were met", {
    triggers: new TriggerBuilder()
      .onStatus(divisionTask, { statuses: [InvocationStatus.SUCCESS] })
      .onAnyResult(divisionTask)
      .withLogic("and"),
  });

  // Combine conditions with OR logic
  app.task("combined_or_trigger", async () => "At least one condition was met", {
    triggers: new TriggerBuilder()
      .onStatus(divisionTask, { statuses: ["SUCCESS"] })
      .onAnyResult(divisionTask)
      .withLogic("or"),
  });

  await app.startWorker();
  expectEqual(await (await divisionTask.invoke({ x: 5, y: 2 })).result(), 2.5, "5 / 2");
  expectEqual(await (await divisionTask.invoke({ x: 4, y: 2 })).result(), 2, "4 / 2");
  const failed = await divisionTask.invoke({ x: 1, y: 0 });
  await failed.result().catch(() => undefined);
  expectEqual(await failed.status(), "FAILED", "1 / 0 failed");
  await settle(server);

  const counts: Record<string, number> = {};
  for (const task of [
    "success_handler",
    "result_handler",
    "specific_result_handler",
    "combined_and_trigger",
    "combined_or_trigger",
  ]) {
    counts[task] = (await runsOf(app, task)).length;
  }
  expectEqual(
    counts,
    {
      success_handler: 2,
      result_handler: 2,
      specific_result_handler: 1,
      combined_and_trigger: 2,
      combined_or_trigger: 2,
    },
    "one run per successful division for each matching handler; 2.5 only once; none for the failure",
  );
});
