/**
 * The TypeScript worker the Go SDK tests run against (app "go-sdk-test"):
 *
 * - `double({ n })` returns n * 2;
 * - `boom({ reason })` throws an OrderRejectedError (a ValidationError, an Error);
 * - `record_order` runs on every "go.order.placed" event, with arguments built from
 *   the event payload by a function of this process: `{ orderId, total: qty * price }`.
 *
 * Run from the repository root: NENC_URL=... node --import tsx sdk/go/testdata/worker.ts
 * Prints READY once registered and connected; stops on SIGTERM.
 */
import { type EventContext, Nenc, TriggerBuilder } from "@nenc/sdk";

class ValidationError extends Error {}
class OrderRejectedError extends ValidationError {}

function orderArguments(ctx: EventContext) {
  const { orderId, qty, price } = ctx.payload as { orderId: string; qty: number; price: number };
  return { orderId, total: qty * price };
}

const app = new Nenc({ appId: "go-sdk-test" });
app.task("double", async ({ n }: { n: number }) => n * 2);
app.task("boom", async ({ reason }: { reason: string }) => {
  throw new OrderRejectedError(`order rejected: ${reason}`);
});
app.task(
  "record_order",
  async ({ orderId, total }: { orderId: string; total: number }) => ({ orderId, total }),
  {
    triggers: new TriggerBuilder().onEvent("go.order.placed").withArgsFromEvent(orderArguments),
  },
);

const worker = await app.startWorker({ concurrency: 8 });
process.stdout.write("READY\n");
process.once("SIGTERM", () => {
  void worker.stop().then(() => app.close());
});
