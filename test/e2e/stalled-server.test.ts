import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "../support/logs.js";
import { startTestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

let server: NencServer | undefined;
let proxy: TcpProxy | undefined;
let child: ChildProcess | undefined;
let client: Nenc | undefined;

afterEach(async () => {
  child?.kill("SIGKILL");
  await client?.close();
  await proxy?.close();
  await server?.stop();
});

describe("a stalled orchestrator", () => {
  it("does not kill a worker process: its connection times out, it reconnects and works once the server answers", async () => {
    const logger = recordingLogger();
    server = await startTestServer({ logger });
    proxy = await startTcpProxy(server.port);
    child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/echo-worker-process.ts"], {
      env: { ...process.env, NENC_URL: proxy.url, NENC_APP_ID: "stall", NENC_TEST_PING_MS: "100" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: string[] = [];
    let stderr = "";
    createInterface({ input: child.stdout! }).on("line", (line) => stdout.push(line));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stdout.includes("READY"), "the worker process to connect", 30_000);

    // The server stops answering (as when its event loop is blocked): PINGs go unanswered.
    proxy.droppingReplies = true;
    const disconnects = () => logger.lines.filter((line) => line.message === "worker disconnected").length;
    // Two PING timeouts in a row: the first connection, then a reconnection that stalled too.
    await waitFor(() => disconnects() >= 2, "the worker to give up two stalled connections", 20_000);
    proxy.droppingReplies = false;

    client = new Nenc({ url: server.url, appId: "stall-client" });
    const invocation = await client.invoke<{ n: number }>("echo", { n: 7 });
    expect(await invocation.result({ timeoutMs: 20_000 })).toEqual({ n: 7 });
    expect(child.exitCode).toBeNull();
    expect(stderr).not.toContain("Unhandled");
    expect(stderr).not.toContain("Error");
  });
});
