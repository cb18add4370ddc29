import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AppService } from "./gen/nenc/v1/app_service_pb.js";
import { EventService } from "./gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "./gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "./gen/nenc/v1/trigger_service_pb.js";
import { WorkerService } from "./gen/nenc/v1/worker_service_pb.js";
import { DECODE_RECURSION_LIMIT } from "./json.js";
import { InvocationSession } from "./session.js";

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

export function createClients(url: string): NencClients {
  const sessionManager = new Http2SessionManager(url, {
    pingIntervalMs: 10_000,
    idleConnectionTimeoutMs: 60_000,
  });
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager,
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
  });
  const invocations = createClient(InvocationService, transport);
  const session = new InvocationSession({ invocations });
  return {
    apps: createClient(AppService, transport),
    invocations,
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
    workers: createClient(WorkerService, transport),
    session,
    close: () => {
      session.close();
      sessionManager.abort();
    },
  };
}
