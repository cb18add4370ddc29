import type http2 from "node:http2";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { clientTlsOptions, PROTOCOL_HEADER, PROTOCOL_VERSION, SDK_HEADER } from "@nenc/protocol";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { WorkerService } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { DECODE_RECURSION_LIMIT } from "./json.js";
import { InvocationSession } from "./session.js";

/** This SDK and its version, as it names itself to the orchestrator (worker hello, every call's headers). */
export const SDK_NAME = "typescript/0.1.0";

/** Every call says which protocol and SDK it comes from (see @nenc/protocol's version.ts). */
const identify: Interceptor = (next) => (request) => {
  request.header.set(PROTOCOL_HEADER, PROTOCOL_VERSION);
  request.header.set(SDK_HEADER, SDK_NAME);
  return next(request);
};

/** Typed clients of every nenc service over one HTTP/2 connection. */
export interface NencClients {
  apps: Client<typeof AppService>;
  invocations: Client<typeof InvocationService>;
  triggers: Client<typeof TriggerService>;
  events: Client<typeof EventService>;
  workers: Client<typeof WorkerService>;
  /** Invokes and result watches over one stream (see session.ts). */
  session: InvocationSession;
  /** Closes the connection (pending calls fail). */
  close(): void;
}

/**
 * How the client checks that the orchestrator still answers: an HTTP/2 PING every
 * `pingIntervalMs` while calls are open, the connection given up (its calls failing
 * with UNAVAILABLE, workers reconnecting) when no answer came in `pingTimeoutMs`.
 */
export interface KeepaliveOptions {
  /** Default 10000. */
  pingIntervalMs?: number;
  /** Default 15000. */
  pingTimeoutMs?: number;
}

/**
 * The HTTP/2 connection of the clients. A connection that fails (a PING timed out
 * while the server stalled, a reset) emits `error`; connect-node listens only while
 * the connection is its current one, so a late error on one it already left would
 * be unhandled and end the process. Every connection gets a listener of its own:
 * the failure reaches the calls on it (they fail and retry per their policy), never
 * the process.
 */
class ResilientSessionManager extends Http2SessionManager {
  private readonly guarded = new WeakSet<http2.Http2Session>();

  override async request(
    ...args: Parameters<Http2SessionManager["request"]>
  ): ReturnType<Http2SessionManager["request"]> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session && !this.guarded.has(session)) {
      this.guarded.add(session);
      session.on("error", () => {});
    }
    return stream;
  }
}

/** Sends `token` as every call's bearer token. */
function authorize(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (next) => (request) => {
    request.header.set("authorization", value);
    return next(request);
  };
}

/**
 * Opens the typed clients of `url` on one HTTP/2 connection with keepalive PINGs;
 * every call carries `token` when one is given (see NencOptions.token).
 */
export function createClients(url: string, keepalive: KeepaliveOptions = {}, token?: string): NencClients {
  const sessionManager = new ResilientSessionManager(
    url,
    {
      pingIntervalMs: keepalive.pingIntervalMs ?? 10_000,
      pingTimeoutMs: keepalive.pingTimeoutMs ?? 15_000,
      idleConnectionTimeoutMs: 60_000,
    },
    // https:// URLs: the CA and client certificate of NENC_TLS_CA, NENC_TLS_CLIENT_CERT/KEY.
    clientTlsOptions(url),
  );
  const transportOptions = {
    baseUrl: url,
    sessionManager,
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
    interceptors: token ? [identify, authorize(token)] : [identify],
  };
  const transport = createGrpcTransport(transportOptions);
  const invocations = createClient(InvocationService, transport);
  const session = new InvocationSession({ invocations });
  return {
    apps: createClient(AppService, transport),
    invocations,
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
    // The worker stream's frames are small and many (a batch of assignments passes
    // the 1 KiB at which the orchestrator would gzip): plain is cheaper on both ends.
    workers: createClient(WorkerService, createGrpcTransport({ ...transportOptions, acceptCompression: [] })),
    session,
    close: () => {
      session.close();
      sessionManager.abort();
    },
  };
}
