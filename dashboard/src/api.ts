import { type Client, createClient } from "@connectrpc/connect";
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

export function createApi(baseUrl = window.location.origin): Api {
  const transport = createConnectTransport({ baseUrl });
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
}

export async function loadConfig(): Promise<UiConfig> {
  const response = await fetch("/ui/config.json");
  return response.ok ? ((await response.json()) as UiConfig) : { readOnly: true };
}
