/**
 * Seed: "Basic Trigger Usage". notification_task runs when source_task succeeds.
 * Run: npx tsx examples/01-basic-usage.ts
 */
import { TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

await runExample("basic trigger usage", "basic", async (app, server) => {
  const sourceTask = app.task("source_task", async ({ x }: { x: number }) => `Processed ${x}`);

  // Define a task that runs when source_task completes successfully
  app.task("notification_task", async () => "Source task completed successfully", {
    triggers: new TriggerBuilder().onStatus(sourceTask, { statuses: ["SUCCESS"] }),
  });

  await app.startWorker();
  const invocation = await sourceTask.invoke({ x: 42 });
  expectEqual(await invocation.result(), "Processed 42", "source_task result");
  await settle(server);

  const notifications = await runsOf(app, "notification_task");
  expectEqual(notifications.length, 1, "notification_task ran once");
  expectEqual(notifications[0]?.result, "Source task completed successfully", "notification_task result");
});
