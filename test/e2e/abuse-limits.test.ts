/**
 * Limits that hold under abuse (SPEC §6, issue 15 item 5), each answered with
 * RESOURCE_EXHAUSTED naming the limit and its setting: open streams and request
 * rate per token (what one token does never starves another), and a worker that
 * never reads its stream (the server buffers its credit and a few control messages,
 * then drops the stream). Over real TLS on both stores. Payload, wire size, nesting
 * depth, triggers per app and AND state are covered by bad-input, deep-values and
 * count-limits tests.
 */
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { jsonToValue } from "@nenc/protocol";
import { ConnectRequestSchema } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Caller, callerOf, writeTokensFile } from "../support/auth.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { rpcError } from "../support/rpc.js";
import { startTestServer } from "../support/server.js";
import { STORE_KINDS, storeAvailable } from "../support/stores.js";
import { makePki, serverTls } from "../support/tls.js";
import { waitFor } from "../support/wait.js";

// Over real TLS on each store, as the attacker test (the limits live in the transport).
describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))(
  "limits per token on %s, over TLS",
  (kind) => {
    let server: NencServer | undefined;
    const pki = makePki();

    beforeAll(() => {
      process.env.NENC_TLS_CA = pki.ca;
    });

    afterAll(() => {
      delete process.env.NENC_TLS_CA;
    });
    const callers: Caller[] = [];
    const closers: Array<() => void> = [];

    afterEach(async () => {
      for (const close of closers.splice(0)) close();
      for (const caller of callers.splice(0)) caller.close();
      await server?.stop();
      server = undefined;
    });

    const caller = (token?: string) => {
      const made = callerOf((server as NencServer).url, token);
      callers.push(made);
      return made;
    };

    /** An invocation that stays PENDING (no worker serves its task): something to watch for ever. */
    async function pendingInvocation(admin: Caller): Promise<string> {
      await admin.apps.registerApp({ appId: "idle", tasks: [{ id: "wait" }] });
      return (await admin.invocations.invoke({ taskId: "wait" })).invocation?.id ?? "";
    }

    /** Opens a WatchInvocation stream; resolves once it answered (the stream is open), or with its error. */
    async function openWatch(as: Caller, id: string): Promise<{ close: () => void } | { error: unknown }> {
      const abort = new AbortController();
      const iterator = as.invocations
        .watchInvocation({ id }, { signal: abort.signal })
        [Symbol.asyncIterator]();
      try {
        await iterator.next();
      } catch (error) {
        return { error };
      }
      const close = () => abort.abort();
      closers.push(close);
      return { close };
    }

    it("open streams per token: past NENC_MAX_STREAMS_PER_TOKEN, RESOURCE_EXHAUSTED; another token is unaffected", async () => {
      const { file, secrets } = writeTokensFile({ a: ["admin"], b: ["admin"] });
      server = await startTestServer({
        kind,
        tls: serverTls(pki),
        authTokensFile: file,
        tokenLimits: { maxStreamsPerToken: 2 },
      });
      const a = caller(secrets.a);
      const id = await pendingInvocation(a);
      const first = await openWatch(a, id);
      await openWatch(a, id);
      const third = await openWatch(a, id);
      if (!("error" in third)) throw new Error("a third stream was opened under a token limited to two");
      const error = await rpcError(Promise.reject(third.error));
      expect([error.code, error.rawMessage]).toEqual([
        Code.ResourceExhausted,
        'token "a" has 2 streams open, its limit (NENC_MAX_STREAMS_PER_TOKEN=2); close some first',
      ]);
      expect("close" in (await openWatch(caller(secrets.b), id))).toBe(true);
      // A closed stream gives its place back.
      if ("close" in first) first.close();
      await waitFor(
        async () => "close" in (await openWatch(a, id)),
        "a stream of token a once one closed",
        10_000,
        50,
      );
    });

    it("request rate per token: past the bucket, RESOURCE_EXHAUSTED naming NENC_RATE_PER_TOKEN; another token is unaffected", async () => {
      const { file, secrets } = writeTokensFile({ a: ["read"], b: ["read"] });
      // One request every 100 s after a burst of 3: the bucket cannot refill during the test.
      server = await startTestServer({
        kind,
        tls: serverTls(pki),
        authTokensFile: file,
        tokenLimits: { ratePerToken: 0.01, burstPerToken: 3 },
      });
      const a = caller(secrets.a);
      for (let i = 0; i < 3; i++) await a.invocations.listInvocations({});
      const error = await rpcError(a.invocations.listInvocations({}));
      expect([error.code, error.rawMessage]).toEqual([
        Code.ResourceExhausted,
        'token "a" made more than 0.01 requests a second (bursts of 3), its limit (NENC_RATE_PER_TOKEN, NENC_RATE_BURST_PER_TOKEN); slow down and retry',
      ]);
      expect((await caller(secrets.b).invocations.listInvocations({})).invocations).toEqual([]);
    });
  },
);

describe.each(STORE_KINDS.filter((kind) => storeAvailable(kind)))(
  "a worker that never reads its stream, on %s over TLS",
  (kind) => {
    const pki = makePki();

    beforeAll(() => {
      process.env.NENC_TLS_CA = pki.ca;
    });

    afterAll(() => {
      delete process.env.NENC_TLS_CA;
    });

    let server: NencServer;
    let logger: RecordingLogger;
    let app: Nenc | undefined;

    afterEach(async () => {
      await app?.close();
      await server?.stop();
    });

    /** A worker stream that sends hello and never reads: its flow-control window fills, then the server's buffer. */
    function openSilentWorker(url: string, hello: Record<string, unknown>) {
      const session = http2.connect(url, { ca: readFileSync(pki.ca) });
      const stream = session.request({
        ":method": "POST",
        ":path": "/nenc.v1.WorkerService/Connect",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.pause();
      const message = toBinary(
        ConnectRequestSchema,
        create(ConnectRequestSchema, { message: { case: "hello", value: hello } }),
      );
      const frame = Buffer.alloc(5 + message.byteLength);
      frame.writeUInt32BE(message.byteLength, 1);
      frame.set(message, 5);
      stream.write(frame);
      const closed = new Promise<number>((resolve) =>
        stream.on("close", () => resolve(stream.rstCode ?? -1)),
      );
      stream.on("error", () => {});
      return { closed, close: () => session.destroy() };
    }

    it("is dropped once its unread messages pass its credit and 64 more; the server goes on", async () => {
      logger = recordingLogger();
      server = await startTestServer({
        kind,
        tls: serverTls(pki),
        logger,
        orchestrator: { evaluationTimeoutMs: 60_000 },
      });
      app = new Nenc({ url: server.url, appId: "reader" });
      const clients = callerOf(server.url);
      await clients.apps.registerApp({
        appId: "silent",
        tasks: [{ id: "after" }],
        triggers: [
          {
            targetTaskId: "after",
            conditions: [
              {
                kind: {
                  case: "event",
                  value: { code: "ping", payloadFilter: { kind: { case: "function", value: "f" } } },
                },
              },
            ],
          },
        ],
      });
      const silent = openSilentWorker(server.url, {
        appId: "silent",
        workerId: "w-silent",
        concurrency: 1,
        taskIds: ["after"],
        functions: ["f"],
      });
      await waitFor(
        async () => (await clients.apps.listWorkers({ appId: "silent" })).workers.length === 1,
        "the silent worker connected",
      );
      // Each event asks the silent worker to evaluate f: 8 KiB each, past any flow-control window.
      const blob = "x".repeat(8 * 1024);
      const emitting = (async () => {
        for (let i = 0; i < 400 && !logger.find("warn", { workerId: "w-silent" }).length; i++)
          await clients.events.emitEvent({ code: "ping", payload: jsonToValue({ blob, i }) });
      })();
      expect(await silent.closed).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      await emitting;
      const [dropped] = logger.find("warn", { workerId: "w-silent" });
      expect([dropped?.message, dropped?.fields.limit]).toEqual([
        "dropped a worker stream that was not read",
        1 + 0 + 64,
      ]);
      await waitFor(
        async () => (await clients.apps.listWorkers({ appId: "silent" })).workers.length === 0,
        "the dropped worker gone from the list",
      );
      // The orchestrator serves on.
      const echo = app.task("echo", async ({ n }: { n: number }) => n);
      await app.startWorker();
      expect(await (await echo.invoke({ n: 3 })).result()).toBe(3);
      silent.close();
      clients.close();
    });
  },
);
