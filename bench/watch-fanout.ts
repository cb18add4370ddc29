/**
 * Many WatchInvocation streams on one large invocation: how long the orchestrator
 * takes to tell every stream of each change, how late a small request is answered
 * meanwhile (a frozen event loop shows here), and the server's peak memory.
 *
 *   npx tsx bench/watch-fanout.ts [--streams 1000] [--connections 10] [--kb 256] [--redis redis://…]
 *
 * The orchestrator runs as `nenc serve` in a child process, with the watch caps
 * raised to the stream count; its peak RSS is read from /proc.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { type JsonObject, Nenc } from "@nenc/sdk";
import { cpuSeconds, freePort, peakRssMb } from "./lib/proc.js";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "1000" },
    connections: { type: "string", default: "10" },
    kb: { type: "string", default: "256" },
    redis: { type: "string" },
  },
});
const streams = Number(values.streams);
const connections = Number(values.connections);

/** About `kb` KiB of JSON as many small objects: what makes per-message conversion costly. */
function largeArguments(kb: number): JsonObject {
  const rows = Array.from({ length: Math.round((kb * 1024) / 40) }, (_, i) => ({ i, name: `row-${i}` }));
  return { rows };
}

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const child = spawn(
  process.execPath,
  ["bin/nenc.js", "serve", "--port", String(port), ...(values.redis ? ["--redis", values.redis] : [])],
  {
    env: {
      ...process.env,
      NENC_MAX_WATCH_STREAMS: String(streams),
      NENC_MAX_WATCH_STREAMS_PER_CONNECTION: String(Math.ceil(streams / connections)),
      NENC_MAX_PAYLOAD_BYTES: String(2 * 1024 * 1024),
    },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
await new Promise<void>((resolve) =>
  child.stdout.on("data", (chunk) => String(chunk).includes("listening") && resolve()),
);
try {
  const app = new Nenc({ url, appId: "fanout" });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  app.task("big", async () => {
    await released;
    return "done";
  });
  await app.register();
  const invocation = await app.invoke("big", largeArguments(Number(values.kb)));
  const clients = Array.from({ length: connections }, () =>
    createClient(
      InvocationService,
      createGrpcTransport({ baseUrl: url, sessionManager: new Http2SessionManager(url) }),
    ),
  );
  const probe = createClient(
    AppService,
    createGrpcTransport({ baseUrl: url, sessionManager: new Http2SessionManager(url) }),
  );
  const seen = new Map<string, number>();
  let firstSeen = 0;
  let refused = 0;
  const lastStatus: number[] = [];
  const opened = performance.now();
  const cpuBeforeOpen = cpuSeconds(child.pid as number);
  let probing = true;
  let worstProbeMs = 0;
  const probing$ = (async () => {
    while (probing) {
      const start = performance.now();
      await probe.listTasks({});
      worstProbeMs = Math.max(worstProbeMs, performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const watching = Array.from({ length: streams }, async (_, n) => {
    try {
      for await (const update of (clients[n % connections] as (typeof clients)[0]).watchInvocation({
        id: invocation.id,
      })) {
        if (lastStatus[n] === undefined) firstSeen++;
        const status = update.invocation?.status ?? 0;
        lastStatus[n] = status;
        seen.set(String(status), (seen.get(String(status)) ?? 0) + 1);
      }
    } catch {
      refused++;
    }
  });
  while (firstSeen + refused < streams) await new Promise((resolve) => setTimeout(resolve, 5));
  const openMs = performance.now() - opened;
  const cpuOpen = cpuSeconds(child.pid as number) - cpuBeforeOpen;
  const worstProbeOpenMs = worstProbeMs;
  worstProbeMs = 0;
  const changed = performance.now();
  const cpuBeforeChanges = cpuSeconds(child.pid as number);
  const worker = await app.startWorker();
  while ([...lastStatus].filter((s) => s === 3 /* RUNNING */).length < streams - refused)
    await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  await Promise.all(watching);
  const changesMs = performance.now() - changed;
  const cpuChanges = cpuSeconds(child.pid as number) - cpuBeforeChanges;
  probing = false;
  await probing$;
  console.log(
    JSON.stringify({
      streams,
      connections,
      argumentsKb: Number(values.kb),
      store: values.redis ? "redis" : "memory",
      refused,
      messagesByStatus: Object.fromEntries(seen),
      firstMessageToAllMs: Math.round(openMs),
      serverCpuSecondsOpening: cpuOpen,
      worstProbeOpeningMs: Math.round(worstProbeOpenMs),
      changesToAllMs: Math.round(changesMs),
      serverCpuSecondsChanges: cpuChanges,
      worstProbeChangesMs: Math.round(worstProbeMs),
      serverPeakRssMb: peakRssMb(child.pid as number),
    }),
  );
  await worker.stop();
  await app.close();
} finally {
  child.kill("SIGTERM");
}
