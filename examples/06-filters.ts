/**
 * Seed: "Conditional Triggering with Argument and Result Filters". Static filters,
 * module-level filter functions (run on a worker of this app), and the same
 * argument filter as CEL, which the orchestrator evaluates itself.
 * Run: npx tsx examples/06-filters.ts
 */
import { cel, type JsonObject, TriggerBuilder } from "@nenc/sdk";
import { expectEqual, runExample, runsOf, settle } from "./lib/harness.js";

// Filter using a function for complex conditions
function isLargeOrder(args: JsonObject): boolean {
  return Number(args.amount ?? 0) > 1000.0;
}

// Result filter with a function
function needsApproval(result: { amount?: number }): boolean {
  return (result.amount ?? 0) > 5000.0;
}

await runExample("argument and result filters", "orders", async (app, server) => {
  const processOrder = app.task(
    "process_order",
    async ({
      orderId,
      amount,
      priority = "normal",
    }: {
      orderId: string;
      amount: number;
      priority?: string;
    }) => ({
      orderId,
      status: "completed",
      amount,
      priority,
    }),
  );

  // Filter based on static argument values
  app.task("notify_high_priority", async () => "High priority order processed", {
    triggers: new TriggerBuilder().onStatus(processOrder, { callArguments: { priority: "high" } }), // Only high priority orders
  });

  app.task("notify_large_order", async () => "Large order processed", {
    triggers: new TriggerBuilder().onStatus(processOrder, { callArguments: isLargeOrder }),
  });

  // Result filter with static values
  app.task("log_completed_order", async () => "Order completed successfully", {
    triggers: new TriggerBuilder().onResult(processOrder, { filterResult: { status: "completed" } }), // Only for completed orders
  });

  app.task("request_manager_approval", async () => "Manager approval requested for large order", {
    triggers: new TriggerBuilder().onResult(processOrder, { filterResult: needsApproval }),
  });

  // The same kind of condition in CEL, evaluated by the orchestrator (works from any language).
  app.task("audit_large_high_priority", async () => "Audited", {
    triggers: new TriggerBuilder().onStatus(processOrder, {
      callArguments: cel("arguments.amount > 1000 && arguments.priority == 'high'"),
    }),
  });

  await app.startWorker();
  const orders = [
    { orderId: "o1", amount: 500 },
    { orderId: "o2", amount: 2000, priority: "high" },
    { orderId: "o3", amount: 6000 },
    { orderId: "o4", amount: 300, priority: "high" },
  ];
  for (const order of orders) await (await processOrder.invoke(order)).result();
  await settle(server);

  // Which orders each trigger ran for, from the provenance of its runs.
  const runs = await app.listInvocations({ taskId: "process_order", limit: 100 });
  const orderOf = new Map(runs.map((run) => [run.id, run.arguments.orderId]));
  const firedFor = async (task: string) =>
    (await runsOf(app, task))
      .flatMap((run) => run.provenance?.sourceInvocationIds ?? [])
      .map((id) => orderOf.get(id))
      .sort();
  expectEqual(
    await firedFor("notify_high_priority"),
    ["o2", "o4"],
    "notify_high_priority: high-priority orders",
  );
  expectEqual(await firedFor("notify_large_order"), ["o2", "o3"], "notify_large_order: amount > 1000");
  expectEqual(
    await firedFor("log_completed_order"),
    ["o1", "o2", "o3", "o4"],
    "log_completed_order: every completed order",
  );
  expectEqual(await firedFor("request_manager_approval"), ["o3"], "request_manager_approval: amount > 5000");
  expectEqual(
    await firedFor("audit_large_high_priority"),
    ["o2"],
    "CEL filter: amount > 1000 and high priority",
  );
});
