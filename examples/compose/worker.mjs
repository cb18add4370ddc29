// The example worker of compose.yaml: a task, and a task its trigger runs after each
// success of the first. Plain JavaScript on the installed @nenc/sdk; NENC_URL says where.
import { Nenc, TriggerBuilder } from "@nenc/sdk";

const app = new Nenc({ appId: "compose-example" });
const greet = app.task("greet", async ({ name }) => `Hello, ${name}!`);
app.task("log_greeting", async ({ greeting }) => `logged: ${greeting}`, {
  triggers: new TriggerBuilder().onSuccess(greet).withArgsFromCel("{'greeting': result}"),
});

const worker = await app.startWorker({ concurrency: 8 });
console.log("worker ready");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, async () => {
    await worker.stop(); // drains: running tasks finish, held work goes back
    await app.close();
    process.exit(0);
  });
}
