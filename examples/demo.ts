/**
 * The quickstart: an orchestrator on the embedded memory store at
 * http://127.0.0.1:7070 (NENC_PORT to change it), a worker, a task, and a trigger
 * that runs a second task when the first one succeeds for a high-priority order.
 * It keeps serving so you can try the CLI or `buf curl`; Ctrl-C stops it.
 * DEMO_EXIT=1 exits after the demo (the test suite runs it that way).
 */
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { startNencServer } from "nenc/server";

const server = await startNencServer({ port: Number(process.env.NENC_PORT ?? 7070) });
console.log(`nenc listening on ${server.url} (embedded memory store)`);
console.log(`nenc dashboard ${server.httpUrl}/ui/`);

const app = new Nenc({ url: server.url, appId: "shop" });
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
  }) => {
    console.log(`  process_order(${orderId}, ${amount}, ${priority})`);
    return { orderId, status: "completed", amount };
  },
);
const notified: string[] = [];
app.task(
  "notify_high_priority",
  async () => {
    notified.push("High priority order processed");
    console.log("  notify_high_priority() ← triggered by process_order SUCCESS with priority=high");
    return "High priority order processed";
  },
  {
    triggers: new TriggerBuilder().onStatus(processOrder, {
      statuses: ["SUCCESS"],
      callArguments: { priority: "high" },
    }),
  },
);

const worker = await app.startWorker({ concurrency: 4 });
console.log("worker started; invoking process_order twice (normal, then high priority)");
const normal = await processOrder.invoke({ orderId: "o-1", amount: 10 });
const urgent = await processOrder.invoke({ orderId: "o-2", amount: 2500, priority: "high" });
console.log("results:", JSON.stringify(await normal.result()), JSON.stringify(await urgent.result()));
const deadline = Date.now() + 5000;
while (notified.length === 0 && Date.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 10));
if (notified.length !== 1) {
  console.error("the trigger did not fire exactly once");
  process.exit(1);
}
console.log("the trigger fired once, for the high-priority order.");

if (process.env.DEMO_EXIT === "1") {
  await worker.stop();
  await app.close();
  await server.stop();
} else {
  console.log(`\nStill serving on ${server.url}. Try:
  npx nenc invoke process_order --args '{"orderId":"o-3","amount":5,"priority":"high"}' --wait
  npx buf curl --protocol grpc --http2-prior-knowledge ${server.url}/grpc.health.v1.Health/Check
Ctrl-C to stop.`);
  process.on("SIGINT", () => {
    void worker
      .stop()
      .then(() => app.close())
      .then(() => server.stop())
      .then(() => process.exit(0));
  });
}
