import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { clientTlsOptions } from "@nenc/protocol";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type ConnectRequest,
  ConnectRequestSchema,
  type ConnectResponse,
  WorkerService,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { bearer } from "./auth.js";

/**
 * A worker stream driven by hand, message by message: for protocol tests that
 * need to misbehave (skip hello, never heartbeat, answer late).
 */
export interface RawWorker {
  send(message: NonNullable<MessageInitShape<typeof ConnectRequestSchema>["message"]>): void;
  /** The next message from the orchestrator; rejects with the stream's error. */
  next(): Promise<ConnectResponse>;
  /** Resolves with the stream's end: undefined, or its error. */
  ended: Promise<unknown>;
  close(): void;
}

/** A raw worker stream to `url` (https:// trusts NENC_TLS_CA), sending `token` when given. */
export function openRawWorker(url: string, token?: string): RawWorker {
  const sessions = new Http2SessionManager(url, undefined, clientTlsOptions(url));
  const client = createClient(
    WorkerService,
    createGrpcTransport({
      baseUrl: url,
      sessionManager: sessions,
      interceptors: token ? [bearer(token)] : [],
    }),
  );
  const outbox = new AsyncQueue<ConnectRequest>();
  const inbox = new AsyncQueue<ConnectResponse>();
  // close() cancels the call itself (RST_STREAM): aborting the session alone may leave
  // a stream the manager opened on a fresh connection meanwhile.
  const cancel = new AbortController();
  const ended = (async () => {
    try {
      for await (const response of client.connect(outbox, { signal: cancel.signal })) inbox.push(response);
      inbox.end();
      return undefined;
    } catch (error) {
      inbox.end(error);
      return error;
    }
  })();
  const iterator = inbox[Symbol.asyncIterator]();
  return {
    send: (message) => outbox.push(create(ConnectRequestSchema, { message })),
    async next() {
      const item = await iterator.next();
      if (item.done) throw new Error("the worker stream ended");
      return item.value;
    },
    ended,
    close() {
      outbox.end();
      cancel.abort();
      sessions.abort();
    },
  };
}
