import { mkdtempSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { clientTlsOptions } from "@nenc/protocol";
import { Health } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "@nenc/protocol/gen/grpc/reflection/v1/reflection_pb.js";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { createToken } from "../../src/auth/token-store.js";

/** Sends `token` as the call's bearer token. */
export function bearer(token: string): Interceptor {
  return (next) => (call) => {
    call.header.set("authorization", `Bearer ${token}`);
    return next(call);
  };
}

/** A tokens file holding one token per entry of `scopes` (name → scopes); the secrets by name. */
export function writeTokensFile(scopes: Record<string, string[]>): {
  file: string;
  secrets: Record<string, string>;
} {
  const file = join(mkdtempSync(join(tmpdir(), "nenc-auth-")), "tokens.json");
  const secrets: Record<string, string> = {};
  for (const [name, list] of Object.entries(scopes))
    secrets[name] = createToken(file, { name, scopes: list, now: Date.now() }).secret;
  return { file, secrets };
}

/** Raw clients of every service, as one caller (`token`, or none) sees them; close() ends the connection. */
export interface Caller {
  apps: Client<typeof AppService>;
  invocations: Client<typeof InvocationService>;
  triggers: Client<typeof TriggerService>;
  events: Client<typeof EventService>;
  health: Client<typeof Health>;
  reflection: Client<typeof ServerReflection>;
  close(): void;
}

/** Clients of `url` (https:// trusts NENC_TLS_CA) sending `token` when given. */
export function callerOf(url: string, token?: string): Caller {
  const sessionManager = new Http2SessionManager(url, undefined, clientTlsOptions(url));
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager,
    interceptors: token ? [bearer(token)] : [],
  });
  return {
    apps: createClient(AppService, transport),
    invocations: createClient(InvocationService, transport),
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
    health: createClient(Health, transport),
    reflection: createClient(ServerReflection, transport),
    close: () => sessionManager.abort(),
  };
}

/** An HTTPS request trusting `ca`: the status and body. */
export function httpsCall(
  url: string,
  ca: Buffer,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? "GET", headers: options.headers ?? {}, ca },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
