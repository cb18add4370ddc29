/**
 * The one port also speaks HTTP/1.1: Connect (unary and server streams) and gRPC-Web
 * work from plain `fetch` and `curl`, beside HTTP/2 on the same port.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";

const run = promisify(execFile);
let server: NencServer | undefined;
let app: Nenc | undefined;

afterEach(async () => {
  await app?.close();
  await server?.stop();
  app = undefined;
  server = undefined;
});

/** A Connect unary call as any HTTP/1.1 client makes it: POST, JSON in, JSON out. */
async function connectJson(url: string, method: string, body: unknown) {
  const response = await fetch(`${url}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("HTTP/1.1 on the orchestrator's port", () => {
  it("answers Connect unary calls from fetch and curl, errors included", async () => {
    server = await startTestServer();
    app = new Nenc({ url: server.url, appId: "h1" });
    app.task("double", async ({ n }: { n: number }) => n * 2);
    await app.startWorker({ concurrency: 1 });

    const invoked = await connectJson(server.url, "nenc.v1.InvocationService/Invoke", {
      taskId: "double",
      arguments: { n: 21 },
    });
    expect(invoked.status).toBe(200);
    const id = (invoked.body.invocation as { id: string }).id;
    const awaited = await connectJson(server.url, "nenc.v1.InvocationService/AwaitInvocation", {
      id,
      timeoutMs: 10_000,
    });
    expect(awaited.body.invocation).toMatchObject({ id, status: "SUCCESS", result: 42 });

    const missing = await connectJson(server.url, "nenc.v1.InvocationService/Invoke", { taskId: "nope" });
    expect(missing).toEqual({
      status: 404,
      body: {
        code: "not_found",
        message: 'task "nope" not found; start a worker of the app that declares it, or check the name',
      },
    });

    const { stdout } = await run("curl", [
      "--silent",
      "--http1.1",
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify({ id }),
      `${server.url}/nenc.v1.InvocationService/GetInvocation`,
    ]);
    expect(JSON.parse(stdout).invocation).toMatchObject({ id, result: 42 });
  });

  it("carries gRPC-Web and Connect server streams over HTTP/1.1", async () => {
    server = await startTestServer();
    const health = createClient(Health, createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    app = new Nenc({ url: server.url, appId: "h1s" });
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const gated = app.task("gated", async () => {
      await gate;
      return "done";
    });
    await app.startWorker({ concurrency: 1 });
    const invocation = await gated.invoke({});
    const invocations = createClient(
      InvocationService,
      createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    );
    const statuses: InvocationStatus[] = [];
    for await (const change of invocations.watchInvocation({ id: invocation.id })) {
      statuses.push(change.invocation?.status ?? InvocationStatus.INVOCATION_STATUS_UNSPECIFIED);
      open(); // The stream is there: the task may end.
    }
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toBe(InvocationStatus.SUCCESS);
  });
});
