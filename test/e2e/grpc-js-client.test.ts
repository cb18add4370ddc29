/**
 * The orchestrator spoken to by a plain @grpc/grpc-js client built from the .proto
 * files at run time: the independent proof that stubs of any language work.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { NencServer } from "nenc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { waitFor } from "../support/wait.js";

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
type Struct = { fields: Record<string, { stringValue?: string; numberValue?: number; kind?: string }> };
interface Stubs {
  app: grpc.Client & { registerApp(request: object, callback: Callback<{ triggerIds: string[] }>): void };
  invocations: grpc.Client & {
    invoke(request: object, callback: Callback<{ invocation: { id: string; status: string } }>): void;
    watchInvocation(
      request: object,
    ): grpc.ClientReadableStream<{ invocation: { status: string; result?: { numberValue?: number } } }>;
  };
  workers: grpc.Client & { connect(): grpc.ClientDuplexStream<object, Record<string, unknown>> };
}

let server: NencServer;
let stubs: Stubs;

beforeAll(async () => {
  server = await startTestServer();
  const definition = protoLoader.loadSync(
    ["nenc/v1/app_service.proto", "nenc/v1/invocation_service.proto", "nenc/v1/worker_service.proto"],
    { includeDirs: ["proto"], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
  );
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    nenc: { v1: Record<string, new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client> };
  };
  const address = server.url.replace("http://", "");
  const credentials = grpc.credentials.createInsecure();
  const { AppService, InvocationService, WorkerService } = loaded.nenc.v1 as Record<
    string,
    new (
      a: string,
      c: grpc.ChannelCredentials,
    ) => grpc.Client
  >;
  stubs = {
    app: new AppService!(address, credentials) as Stubs["app"],
    invocations: new InvocationService!(address, credentials) as Stubs["invocations"],
    workers: new WorkerService!(address, credentials) as Stubs["workers"],
  };
});

afterAll(async () => {
  for (const stub of Object.values(stubs)) stub.close();
  await server.stop();
});

const unary = <T>(call: (callback: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => call((error, response) => (error ? reject(error) : resolve(response))));

describe("a @grpc/grpc-js client", () => {
  it("registers, runs a worker over the bidi stream, invokes (unary) and watches (server stream)", async () => {
    await unary((cb) => stubs.app.registerApp({ appId: "grpcjs", tasks: [{ id: "double" }] }, cb));

    const stream = stubs.workers.connect();
    const received: Array<Record<string, unknown>> = [];
    stream.on("data", (message: Record<string, unknown>) => {
      received.push(message);
      const assignment = message.assignment as { assignmentId: string; arguments: Struct } | undefined;
      if (!assignment) return;
      const n = assignment.arguments.fields.n?.numberValue ?? 0;
      stream.write({ started: { assignmentId: assignment.assignmentId } });
      stream.write({ completed: { assignmentId: assignment.assignmentId, result: { numberValue: n * 2 } } });
    });
    stream.write({
      hello: { appId: "grpcjs", workerId: "grpcjs-worker", concurrency: 4, taskIds: ["double"] },
    });
    await waitFor(() => received.length > 0, "the welcome");

    const { invocation } = await unary<{ invocation: { id: string; status: string } }>((cb) =>
      stubs.invocations.invoke(
        { taskId: "double", arguments: { structValue: { fields: { n: { numberValue: 21 } } } } },
        cb,
      ),
    );
    // A worker with free credit is connected: the invocation is assigned as it is created.
    expect(invocation.status).toBe("PENDING");

    const statuses: string[] = [];
    let result: number | undefined;
    await new Promise<void>((resolve, reject) => {
      const watch = stubs.invocations.watchInvocation({ id: invocation.id });
      watch.on("data", (update) => {
        statuses.push(update.invocation.status);
        result = update.invocation.result?.numberValue;
      });
      watch.on("end", resolve);
      watch.on("error", reject);
    });
    expect(statuses.at(-1)).toBe("SUCCESS");
    expect(result).toBe(42);
    expect(received[0]).toHaveProperty("welcome");
    expect(received.filter((message) => "assignment" in message && message.assignment)).toHaveLength(1);
    stream.end();
  });
});
