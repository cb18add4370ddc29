import type { DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createConnectRouter,
  createContextValues,
} from "@connectrpc/connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { Health } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "@nenc/protocol/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1Alpha } from "@nenc/protocol/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { WorkerService } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { DECODE_RECURSION_LIMIT } from "@nenc/protocol/limits";
import type { Logger } from "../domain/logger.js";
import type { Orchestrator } from "../engine/orchestrator.js";
import { Access, type Authenticator, authenticating } from "./access.js";
import { Audit } from "./audit.js";
import { CONNECTION, connectionOf, DROP_STREAM, dropperOf } from "./connection-caps.js";
import { guard } from "./errors.js";
import { listen, listenSecure, type NodeHandler, type SecureListener, type ServerTls } from "./listener.js";
import { protocolCheck } from "./protocol-check.js";
import { createAppService } from "./services/app-service.js";
import { createEventService } from "./services/event-service.js";
import { createHealthService } from "./services/health-service.js";
import { createInvocationService } from "./services/invocation-service.js";
import { createReflectionServices } from "./services/reflection-service.js";
import { createTriggerService } from "./services/trigger-service.js";
import { createWorkerService } from "./services/worker-service.js";
import { type RunningSidePort, type SidePortOptions, startSidePort } from "./side-port.js";
import { DEFAULT_TOKEN_LIMITS, type TokenLimitOptions, TokenLimits } from "./token-limits.js";
import { mapDecodeFailures } from "./wire-errors.js";

export interface ServerOptions {
  port: number;
  host: string;
  logger: Logger;
  /** Largest request message accepted by the transport, in bytes. */
  readMaxBytes: number;
  /** The HTTP side port (metrics, dashboard); absent: none. */
  side?: Omit<SidePortOptions, "host" | "logger" | "connect" | "tls" | "authenticator" | "audit">;
  /** TLS on both ports (absent: cleartext). */
  tls?: ServerTls;
  /** Checks every call's bearer token (docs/design.md §6); absent: every call is allowed. */
  authenticator?: Authenticator;
  /** With an authenticator: streams and request rate per token (default DEFAULT_TOKEN_LIMITS). */
  tokenLimits?: Partial<TokenLimitOptions>;
}

export interface RunningServer {
  readonly port: number;
  /** `http://host:port`, for NENC_URL. */
  readonly url: string;
  /** The HTTP side port, when one was asked for. */
  readonly side?: RunningSidePort;
  /** Stops accepting, ends open streams and sessions (on both ports). */
  close(): Promise<void>;
  /** New connections to either port use these certificates; open ones keep theirs. Only with TLS. */
  reloadTls(tls: ServerTls): void;
}

const NENC_SERVICES: readonly DescService[] = [
  AppService,
  InvocationService,
  TriggerService,
  EventService,
  WorkerService,
];

/**
 * Every service this server answers, as Connect routes (also usable in-process).
 * `audit` records refused calls and changes; without an authenticating interceptor
 * in front (ServerOptions.authenticator) every call is allowed.
 */
export function createRoutes(
  orchestrator: Orchestrator,
  logger: Logger,
  { audit = new Audit(logger), limits }: { audit?: Audit; limits?: TokenLimits } = {},
): (router: ConnectRouter) => void {
  const access = new Access(orchestrator, audit, limits);
  return (router) => {
    router.service(AppService, guard(AppService, createAppService(orchestrator, access), logger));
    router.service(
      InvocationService,
      guard(InvocationService, createInvocationService(orchestrator, access, logger), logger),
    );
    router.service(TriggerService, guard(TriggerService, createTriggerService(orchestrator, access), logger));
    router.service(EventService, guard(EventService, createEventService(orchestrator, access), logger));
    router.service(
      WorkerService,
      guard(WorkerService, createWorkerService(orchestrator, access, logger), logger),
    );
    router.service(
      Health,
      createHealthService(
        NENC_SERVICES.map((service) => service.typeName),
        orchestrator,
      ),
    );
    const reflection = createReflectionServices([...NENC_SERVICES, Health]);
    router.service(ReflectionV1, reflection.v1);
    router.service(ReflectionV1Alpha, reflection.v1alpha);
  };
}

/**
 * The request handler: connect-node's adapter, with the decoder's recursion limit
 * raised and undecodable requests answered INVALID_ARGUMENT (see wire-errors.ts).
 */
function createNodeHandler(orchestrator: Orchestrator, options: ServerOptions, audit: Audit): NodeHandler {
  const { authenticator } = options;
  const limits = authenticator && new TokenLimits({ ...DEFAULT_TOKEN_LIMITS, ...options.tokenLimits });
  const router = createConnectRouter({
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
    jsonOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
    interceptors:
      authenticator && limits
        ? [protocolCheck, authenticating(authenticator, audit, limits)]
        : [protocolCheck],
  });
  createRoutes(orchestrator, options.logger, { audit, ...(limits ? { limits } : {}) })(router);
  const handlers = new Map(
    router.handlers.map((handler) => [handler.requestPath, mapDecodeFailures(handler)]),
  );
  return (request, response) => {
    const handler = handlers.get((request.url ?? "").split("?", 2)[0] ?? "");
    if (!handler) {
      response.writeHead(404).end();
      return;
    }
    // Caps per client connection (watch streams) need to know the connection.
    const contextValues = createContextValues()
      .set(CONNECTION, connectionOf(request))
      .set(DROP_STREAM, dropperOf(request));
    handler(universalRequestFromNodeRequest(request, response, undefined, contextValues))
      .then((answer) => universalResponseToNodeResponse(answer, response))
      .catch((error: unknown) => {
        if (ConnectError.from(error).code === Code.Aborted) return;
        options.logger.error("a request handler failed", { path: request.url, error: String(error) });
      });
  };
}

/**
 * Serves gRPC, gRPC-Web and Connect on one cleartext port, over HTTP/2 (prior
 * knowledge) and HTTP/1.1 (see listener.ts). Resolves once the port accepts connections.
 */
export async function startServer(
  orchestrator: Orchestrator,
  options: ServerOptions,
): Promise<RunningServer> {
  const audit = new Audit(options.logger);
  const handler = createNodeHandler(orchestrator, options, audit);
  const { tls, authenticator } = options;
  const listener = tls
    ? await listenSecure(handler, options.port, options.host, tls)
    : await listen(handler, options.port, options.host);
  let side: RunningSidePort | undefined;
  if (options.side) {
    const { host, logger } = options;
    side = await startSidePort({
      ...options.side,
      host,
      logger,
      connect: handler,
      ...(tls ? { tls } : {}),
      ...(authenticator ? { authenticator, audit } : {}),
    }).catch(async (error) => {
      await listener.close();
      throw error;
    });
  }
  return {
    port: listener.port,
    url: listener.url,
    ...(side ? { side } : {}),
    async close() {
      await Promise.all([listener.close(), side?.close()]);
    },
    reloadTls(next) {
      for (const port of [listener, side] as Array<Partial<SecureListener> | undefined>) port?.reload?.(next);
    },
  };
}
