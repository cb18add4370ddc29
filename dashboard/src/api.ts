import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";

/** The generated Connect clients, JSON over HTTP/1.1 to the side port that served this page. */
export interface Api {
  apps: Client<typeof AppService>;
  invocations: Client<typeof InvocationService>;
  triggers: Client<typeof TriggerService>;
  events: Client<typeof EventService>;
}

/** Where the signed-in token is kept: this browser tab only, gone when it closes. */
const TOKEN_KEY = "nenc.token";

/** The token the dashboard sends, with an orchestrator started with --auth-tokens. */
export const signIn = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** The headers that carry the token, for the calls made with fetch (/metrics). */
export function authHeaders(): Record<string, string> {
  const token = signIn.token();
  return token ? { authorization: `Bearer ${token}` } : {};
}

const authorize: Interceptor = (next) => (request) => {
  for (const [name, value] of Object.entries(authHeaders())) request.header.set(name, value);
  return next(request);
};

export function createApi(baseUrl = window.location.origin): Api {
  const transport = createConnectTransport({ baseUrl, interceptors: [authorize] });
  return {
    apps: createClient(AppService, transport),
    invocations: createClient(InvocationService, transport),
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
  };
}

export const api = createApi();

/** What the server says of itself (/ui/config.json). */
export interface UiConfig {
  readOnly: boolean;
  /** The orchestrator checks tokens: the dashboard asks for one (of scope read or admin). */
  auth: boolean;
}

export async function loadConfig(): Promise<UiConfig> {
  const response = await fetch("/ui/config.json");
  return response.ok ? ((await response.json()) as UiConfig) : { readOnly: true, auth: false };
}
