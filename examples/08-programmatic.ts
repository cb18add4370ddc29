/**
 * Seed: "Programmatic Trigger Creation". A trigger built at run time with
 * app.trigger: data_processor succeeded AND its result passes a filter, with
 * arguments from the result. The seed never says which task the trigger runs;
 * register(notificationTask) says it (docs/design.md §3.11).
 * Run: npx tsx examples/08-programmatic.ts
 */
import type { JsonObject, ResultContext } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

// Define a function for result filtering (must be at module level)
function isProcessedSuccessfully(result: { processed?: boolean }): boolean {
  return result.processed === true;
}

// Define a function for argument generation (must be at module level)
function generateNotificationArgs(ctx: ResultContext) {
  return { result: ctx.result, level: "success" };
}

await runExample("programmatic trigger creation", "programmatic", async (app, server) => {
  const dataProcessor = app.task("data_processor", async ({ data }: { data: JsonObject }) => ({
    processed: true,
    input: data,
  }));

  const notificationTask = app.task(
    "notification_task",
    async ({ result, level = "info" }: { result: JsonObject; level?: string }) =>
      `${level.toUpperCase()}: Data processed with result ${JSON.stringify(result)}`,
  );

  await app.startWorker();

  // Create a trigger that connects the tasks
  const trigger = app.trigger
    .onSuccess(dataProcessor)
    .onResult(dataProcessor, { filterResult: isProcessedSuccessfully })
    .withArgsFromResult(generateNotificationArgs);
  const triggerId = await trigger.register(notificationTask);

  // The trigger is now active and will run notification_task when data_processor
  // completes successfully and its result matches the filter
  await (await dataProcessor.invoke({ data: { id: 1 } })).result();
  await (await dataProcessor.invoke({ data: { id: 2 } })).result();
  await settle(server);

  const runs = await runsOf(app, "notification_task");
  expectEqual(
    runs.map((run) => run.result),
    [
      'SUCCESS: Data processed with result {"processed":true,"input":{"id":1}}',
      'SUCCESS: Data processed with result {"processed":true,"input":{"id":2}}',
    ],
    "notification_task ran once per data_processor success, with arguments from its result",
  );
  expectEqual(
    runs.every((run) => run.triggerId === triggerId),
    true,
    "provenance names the runtime trigger",
  );

  await app.trigger.pause(triggerId);
  await (await dataProcessor.invoke({ data: { id: 3 } })).result();
  await settle(server);
  expectEqual((await runsOf(app, "notification_task")).length, 2, "a paused trigger does not fire");
  await app.trigger.delete(triggerId);
  expectEqual((await app.trigger.list({ targetTaskId: "notification_task" })).length, 0, "deleted");
});
