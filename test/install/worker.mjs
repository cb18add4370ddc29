// A plain ES module worker, as a user of the installed @nenc/sdk writes it: a task,
// and a task its trigger runs after each success of the first. NENC_URL says where.
import { Nenc, TriggerBuilder } from "@nenc/sdk";

const app = new Nenc({ appId: "install" });
const double = app.task("double", async ({ n }) => n * 2);
app.task("announce", async ({ doubled }) => `announced ${doubled}`, {
  triggers: new TriggerBuilder().onSuccess(double).withArgsFromCel("{'doubled': result}"),
});
const worker = await app.startWorker({ concurrency: 4 });
console.log("worker ready");
const stop = async () => {
  await worker.stop();
  await app.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
