/**
 * Versions that agree: a client names its protocol and SDK on every call; the
 * orchestrator refuses one of another protocol with FAILED_PRECONDITION naming both
 * versions, serves one that names none (buf curl), and records a worker's SDK.
 */
import { readFileSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, type ConnectRouter, createClient, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { PROTOCOL_HEADER, PROTOCOL_VERSION, SDK_HEADER } from "@nenc/protocol";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { WorkerService } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SDK_NAME } from "../../sdk/typescript/src/client.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";
import { waitFor } from "../support/wait.js";

let server: NencServer;
let logger: RecordingLogger;
const sessions: Http2SessionManager[] = [];

beforeAll(async () => {
  logger = recordingLogger();
  server = await startTestServer({ logger });
});

afterAll(async () => {
  for (const session of sessions) session.abort();
  await server.stop();
});

/** Clients whose calls carry these headers. */
function clientsWith(headers: Record<string, string>) {
  const stamp: Interceptor = (next) => (request) => {
    for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
    return next(request);
  };
  const sessionManager = new Http2SessionManager(server.url);
  sessions.push(sessionManager);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager, interceptors: [stamp] });
  return { apps: createClient(AppService, transport), workers: createClient(WorkerService, transport) };
}

describe("versions that agree", () => {
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

  it("refuses a call of another protocol with FAILED_PRECONDITION naming both versions", async () => {
    const { apps } = clientsWith({ [PROTOCOL_HEADER]: "2", [SDK_HEADER]: "python/9.0.0" });
    const error = await rpcError(apps.listTasks({}));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toBe(
      `this orchestrator (nenc ${version}) speaks protocol 1; python/9.0.0 speaks protocol 2: use an SDK and an orchestrator of the same protocol (README, Versions)`,
    );
    const unnamed = await rpcError(clientsWith({ [PROTOCOL_HEADER]: "0" }).apps.listTasks({}));
    expect([unnamed.code, unnamed.rawMessage.split("; ")[1]]).toEqual([
      Code.FailedPrecondition,
      "an unnamed client speaks protocol 0: use an SDK and an orchestrator of the same protocol (README, Versions)",
    ]);
  });

  it("refuses a worker stream of another protocol before its hello", async () => {
    const { workers } = clientsWith({ [PROTOCOL_HEADER]: "2", [SDK_HEADER]: "go/9.0.0" });
    const stream = workers.connect((async function* () {})());
    const error = await rpcError(stream[Symbol.asyncIterator]().next());
    expect([error.code, error.rawMessage.split("; ")[1]]).toEqual([
      Code.FailedPrecondition,
      "go/9.0.0 speaks protocol 2: use an SDK and an orchestrator of the same protocol (README, Versions)",
    ]);
  });

  it("serves a call that names no protocol, and the SDK's, and records a worker's SDK", async () => {
    expect((await clientsWith({}).apps.listTasks({})).tasks).toEqual([]);
    const app = new Nenc({ url: server.url, appId: "versions" });
    app.task("v", async () => "ok");
    try {
      await app.startWorker({ concurrency: 1 });
      expect(await (await app.invoke("v", {})).result()).toBe("ok");
      const connected = await waitFor(
        () => logger.lines.find((line) => line.message === "worker connected"),
        "the worker's connection logged",
      );
      expect(connected.fields).toMatchObject({ appId: "versions", sdk: "typescript/0.1.0" });
    } finally {
      await app.close();
    }
  });

  it("the SDK names its protocol and itself on every call", async () => {
    const seen: Array<[string | null, string | null]> = [];
    const routes = (router: ConnectRouter) =>
      router.service(AppService, {
        listTasks(_request, context) {
          seen.push([context.requestHeader.get(PROTOCOL_HEADER), context.requestHeader.get(SDK_HEADER)]);
          return { tasks: [] };
        },
      });
    const fake = http2.createServer(connectNodeAdapter({ routes }));
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const app = new Nenc({ url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, appId: "named" });
    try {
      await app.clients.apps.listTasks({});
      expect(seen).toEqual([["1", "typescript/0.1.0"]]);
    } finally {
      await app.close();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it("each SDK's name carries its package's version, and every piece speaks protocol 1", () => {
    const packageVersion = (path: string) =>
      (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
    const python = readFileSync("sdk/python/pyproject.toml", "utf8").match(/^version = "(.+)"$/m)?.[1];
    const pythonClients = readFileSync("sdk/python/src/nenc/_impl/clients.py", "utf8");
    const go = readFileSync("sdk/go/version.go", "utf8");
    expect({
      typescript: SDK_NAME,
      python: pythonClients.match(/^SDK_NAME = "(.+)"$/m)?.[1],
      pythonProtocol: pythonClients.match(/^PROTOCOL_VERSION = "(.+)"$/m)?.[1],
      go: go.match(/const SDKName = "(.+)"/)?.[1],
      goProtocol: go.match(/const ProtocolVersion = "(.+)"/)?.[1],
      protocol: PROTOCOL_VERSION,
    }).toEqual({
      typescript: `typescript/${packageVersion("sdk/typescript/package.json")}`,
      python: `python/${python}`,
      pythonProtocol: "1",
      go: `go/${version}`,
      goProtocol: "1",
      protocol: "1",
    });
  });
});
