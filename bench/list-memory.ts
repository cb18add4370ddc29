/**
 * Memory of large listings: `--count` invocations with `--kb` KiB arguments, then
 * `--concurrent` ListInvocations calls of pageSize 1000 at once; prints the
 * server's peak RSS before and after, and the bytes and items each call got.
 *
 *   npx tsx bench/list-memory.ts [--count 1000] [--kb 256] [--concurrent 5] [--redis redis://…]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  InvocationService,
  ListInvocationsResponseSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { Nenc } from "@nenc/sdk";
import { freePort } from "./lib/proc.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    kb: { type: "string", default: "256" },
    concurrent: { type: "string", default: "5" },
    redis: { type: "string" },
  },
});

const rssMb = (pid: number, field: "VmRSS" | "VmHWM") =>
  Math.round(
    Number(readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+)`))?.[1]) / 1024,
  );

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const child = spawn(
  process.execPath,
  [
    "bin/nenc.js",
    "serve",
    "--port",
    String(port),
    ...(values.redis ? ["--redis", values.redis, "--redis-prefix", `listmem${port}`] : []),
  ],
  { env: { ...process.env, NENC_RETENTION_INVOCATIONS: "100000" }, stdio: ["ignore", "pipe", "inherit"] },
);
await new Promise<void>((resolve) =>
  child.stdout.on("data", (chunk) => String(chunk).includes("listening") && resolve()),
);
try {
  const app = new Nenc({ url, appId: "listmem" });
  app.task("big", async () => "done");
  await app.register();
  const pad = "x".repeat(Number(values.kb) * 1024);
  for (let n = 0; n < Number(values.count); n++) await app.invoke("big", { n, pad });
  const pid = child.pid as number;
  const before = { rss: rssMb(pid, "VmRSS"), peak: rssMb(pid, "VmHWM") };
  const client = createClient(
    InvocationService,
    createGrpcTransport({
      baseUrl: url,
      sessionManager: new Http2SessionManager(url),
      readMaxBytes: 2 ** 31 - 1,
    }),
  );
  const started = performance.now();
  const calls = await Promise.all(
    Array.from({ length: Number(values.concurrent) }, async () => {
      const page = await client.listInvocations({ taskId: "big", pageSize: 1000 });
      return {
        items: page.invocations.length,
        bytes: toBinary(ListInvocationsResponseSchema, page).length,
        more: page.nextPageToken !== "",
      };
    }),
  );
  console.log(
    JSON.stringify({
      store: values.redis ? "redis" : "memory",
      invocations: Number(values.count),
      argumentsKb: Number(values.kb),
      concurrentCalls: calls.length,
      perCall: calls[0],
      ms: Math.round(performance.now() - started),
      serverRssBeforeMb: before.rss,
      serverPeakBeforeMb: before.peak,
      serverPeakAfterMb: rssMb(pid, "VmHWM"),
    }),
  );
  await app.close();
} finally {
  child.kill("SIGTERM");
}
