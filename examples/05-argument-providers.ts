/**
 * Seed: "Dynamic Argument Generation with ArgumentProvider". Static arguments, and
 * arguments built from the triggering result by a module-level function that runs
 * on a worker of this app (the orchestrator never runs user code).
 * Run: npx tsx examples/05-argument-providers.ts
 */
import { type JsonObject, type ResultContext, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

// Dynamic argument provider using a function
function generateNotificationArgs(ctx: ResultContext) {
  const result = ctx.result as { processed?: { priority?: string } };
  const isUrgent = result.processed?.priority === "high";
  return {
    notificationLevel: isUrgent ? "urgent" : "info",
    includeDetails: isUrgent,
    sourceData: ctx.result,
  };
}

await runExample("argument providers", "providers", async (app, server) => {
  const processData = app.task("process_data", async ({ data }: { data: JsonObject }) => ({
    processed: data,
    timestamp: Date.now() / 1000,
  }));

  // Static argument provider (using fixed values)
  app.task(
    "notify_with_static_args",
    async ({ notificationLevel }: { notificationLevel: string; includeDetails: boolean }) =>
      `Notification sent with level ${notificationLevel}`,
    {
      triggers: new TriggerBuilder()
        .onSuccess(processData)
        .withArgsStatic({ notificationLevel: "info", includeDetails: true }),
    },
  );

  app.task(
    "notify_with_dynamic_args",
    async ({
      notificationLevel,
      includeDetails,
      sourceData,
    }: {
      notificationLevel: string;
      includeDetails: boolean;
      sourceData: JsonObject;
    }) =>
      includeDetails
        ? `${notificationLevel.toUpperCase()} notification with data: ${JSON.stringify(sourceData.processed)}`
        : `${notificationLevel.toUpperCase()} notification sent`,
    { triggers: new TriggerBuilder().onSuccess(processData).withArgsFromResult(generateNotificationArgs) },
  );

  await app.startWorker();
  await (await processData.invoke({ data: { priority: "high", order: 1 } })).result();
  await (await processData.invoke({ data: { priority: "low", order: 2 } })).result();
  await settle(server);

  const statics = await runsOf(app, "notify_with_static_args");
  expectEqual(
    statics.map((run) => run.arguments),
    [
      { notificationLevel: "info", includeDetails: true },
      { notificationLevel: "info", includeDetails: true },
    ],
    "static arguments, once per success",
  );
  const dynamic = await runsOf(app, "notify_with_dynamic_args");
  expectEqual(
    dynamic.map((run) => [
      run.arguments.notificationLevel,
      run.arguments.includeDetails,
      (run.arguments.sourceData as JsonObject).processed,
    ]),
    [
      ["urgent", true, { priority: "high", order: 1 }],
      ["info", false, { priority: "low", order: 2 }],
    ],
    "arguments built from each result",
  );
  expectEqual(
    dynamic.map((run) => run.result),
    ['URGENT notification with data: {"priority":"high","order":1}', "INFO notification sent"],
    "dynamic notifications",
  );
});
