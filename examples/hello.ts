/**
 * The smallest nenc program: an in-process orchestrator on the memory store, one
 * task, one worker, one invocation. Run: npx tsx examples/hello.ts
 */
import { Nenc } from "@nenc/sdk";
import { startNencServer } from "nenc/server";

const server = await startNencServer({ port: 0, logger: undefined });
const app = new Nenc({ url: server.url, appId: "hello" });
const greet = app.task("greet", async ({ name }: { name: string }) => `Hello, ${name}!`);

const worker = await app.startWorker({ concurrency: 4 });
const invocation = await greet.invoke({ name: "nenc" });
const result = await invocation.result();
console.log(result);

await worker.stop();
await app.close();
await server.stop();
if (result !== "Hello, nenc!") process.exit(1);
