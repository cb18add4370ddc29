/**
 * What one client can hold open: WatchInvocation streams are capped per connection
 * and per replica, Session result waits per session, each refused with
 * RESOURCE_EXHAUSTED naming the cap and its setting. Watch updates send the
 * arguments once. The store does not matter here: memory only.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import {
  InvocationService,
  type SessionRequest,
  SessionRequestSchema,
  type SessionResponse,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { valueToJson } from "../../src/transport/convert-trigger.js";
import { startTestServer } from "../support/server.js";
import { deferred, waitFor } from "../support/wait.js";

type InvocationClient = ReturnType<typeof createClient<typeof InvocationService>>;

describe("watch limits", () => {
  let server: NencServer;
  let app: Nenc;
  const connections: Http2SessionManager[] = [];

  beforeEach(async () => {
    server = await startTestServer({
      orchestrator: {
        maxWatchStreams: 3,
        maxWatchStreamsPerConnection: 2,
        maxSessionWaits: 3,
        maxSessionWaitsPerConnection: 2,
      },
    });
    app = new Nenc({ url: server.url, appId: "watched" });
    app.task("job", async () => "done");
    await app.register(); // no worker: invocations stay REGISTERED, their watches open
  });

  afterEach(async () => {
    await app?.close();
    for (const connection of connections.splice(0)) connection.abort();
    await server?.stop();
  });

  /** A client on a connection of its own. */
  const connect = (): InvocationClient => {
    const connection = new Http2SessionManager(server.url);
    connections.push(connection);
    return createClient(
      InvocationService,
      createGrpcTransport({ baseUrl: server.url, sessionManager: connection }),
    );
  };

  /** Opens a watch and reads its first update (where a refusal shows). */
  const watch = async (client: InvocationClient, id: string) => {
    const controller = new AbortController();
    const updates = client.watchInvocation({ id }, { signal: controller.signal })[Symbol.asyncIterator]();
    const first = await updates.next();
    return { first: first.value, close: () => controller.abort() };
  };
  const refusal = async (opening: Promise<unknown>) => {
    const error = await opening.then(
      () => undefined,
      (reason: unknown) => ConnectError.from(reason),
    );
    return error && { code: error.code, message: error.rawMessage };
  };

  it("caps WatchInvocation streams per connection and per replica; a closed stream frees its place", async () => {
    const { id } = await app.invoke("job", {});
    const first = connect();
    const a = await watch(first, id);
    await watch(first, id);
    expect(await refusal(watch(first, id))).toEqual({
      code: Code.ResourceExhausted,
      message:
        "this connection has 2 WatchInvocation streams open, the most one connection may hold (maxWatchStreamsPerConnection, NENC_MAX_WATCH_STREAMS_PER_CONNECTION=2); close one first, or wait with AwaitInvocation or a Session",
    });
    const second = connect();
    await watch(second, id);
    expect(await refusal(watch(second, id))).toEqual({
      code: Code.ResourceExhausted,
      message:
        "this replica has 3 WatchInvocation streams open, the most it serves (maxWatchStreams, NENC_MAX_WATCH_STREAMS=3); retry later or on another replica, or wait with AwaitInvocation or a Session",
    });
    a.close();
    const again = await waitFor(
      async () => (await refusal(watch(second, id))) === undefined,
      "a place freed by the closed stream",
    );
    expect(again).toBe(true);
  });

  it("sends the arguments in a stream's first update only, the result in the last, on either codec", async () => {
    const release = deferred();
    const gated = new Nenc({ url: server.url, appId: "gated" });
    gated.task("gated", async () => {
      await release.promise;
      return { total: 3 };
    });
    await gated.register();
    const { id } = await gated.invoke("gated", { items: [1, 2, { name: "x" }] });
    const json = createClient(
      InvocationService,
      createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: false }),
    );
    const opened: Array<{ status: string; args?: unknown; result?: unknown }>[] = [];
    const seen = (client: InvocationClient) =>
      (async () => {
        const updates: Array<{ status: string; args?: unknown; result?: unknown }> = [];
        opened.push(updates);
        for await (const { invocation } of client.watchInvocation({ id })) {
          updates.push({
            status: InvocationStatus[invocation?.status ?? 0] as string,
            ...(invocation?.arguments ? { args: invocation.arguments } : {}),
            ...(invocation?.result ? { result: valueToJson(invocation.result, "result") } : {}),
          });
          if (invocation?.status === InvocationStatus.RUNNING) release.resolve();
        }
        return updates;
      })();
    const watching = [seen(connect()), seen(json)];
    await waitFor(
      () => opened.length === 2 && opened.every((updates) => updates.length > 0),
      "both first updates",
    );
    const worker = await gated.startWorker();
    const [binaryUpdates, jsonUpdates] = await Promise.all(watching);
    const expected = [
      { status: "REGISTERED", args: { items: [1, 2, { name: "x" }] } },
      { status: "PENDING" },
      { status: "RUNNING" },
      { status: "SUCCESS", result: { total: 3 } },
    ];
    expect(binaryUpdates).toEqual(expected);
    expect(jsonUpdates).toEqual(expected);
    await worker.stop();
    await gated.close();
  });

  it("caps Session result waits per connection and per replica: refused ones answered RESOURCE_EXHAUSTED, the stream lives on", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await app.invoke("job", { n })).id);
    const open = () => {
      const requests = new AsyncQueue<SessionRequest>();
      const responses = connect().session(requests)[Symbol.asyncIterator]();
      return {
        watch: (invocationId: string) =>
          requests.push(
            create(SessionRequestSchema, { message: { case: "watch", value: { invocationId } } }),
          ),
        next: async () => {
          const response = (await responses.next()).value as SessionResponse;
          return response.message.case === "finished" ? response.message.value : undefined;
        },
        end: () => requests.end(),
      };
    };
    const a = open();
    for (const id of ids.slice(0, 3)) a.watch(id as string);
    expect(await a.next()).toMatchObject({
      invocationId: ids[2],
      errorCode: "RESOURCE_EXHAUSTED",
      errorMessage:
        "this connection has 2 Session result waits pending, the most one connection may hold (maxSessionWaitsPerConnection, NENC_MAX_SESSION_WAITS_PER_CONNECTION=2); wait for some to finish, or open another connection",
    });
    const b = open();
    b.watch(ids[3] as string);
    b.watch(ids[4] as string);
    expect(await b.next()).toMatchObject({
      invocationId: ids[4],
      errorCode: "RESOURCE_EXHAUSTED",
      errorMessage:
        "this replica has 3 Session result waits pending, the most it serves (maxSessionWaits, NENC_MAX_SESSION_WAITS=3); wait for some to finish, or retry on another replica",
    });
    // The waits held finish: their places free up, on the same streams.
    const worker = await app.startWorker();
    const finishedOnA = [await a.next(), await a.next()];
    expect(finishedOnA.map((value) => value?.invocationId).sort()).toEqual(ids.slice(0, 2).sort());
    expect(finishedOnA.map((value) => value?.errorCode)).toEqual(["", ""]);
    expect(await b.next()).toMatchObject({ invocationId: ids[3], errorCode: "" });
    a.watch(ids[2] as string);
    expect(await a.next()).toMatchObject({ invocationId: ids[2], errorCode: "" });
    a.end();
    b.end();
    await worker.stop();
  });
});
