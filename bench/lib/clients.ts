/**
 * Plain generated clients for the RPCs the benchmark makes (RegisterApp, Invoke,
 * EmitEvent), on a connection without keep-alive pings: a busy orchestrator that
 * answers late is measured, not disconnected. Triggers are declared with the SDK's
 * TriggerBuilder and sent as RegisterApp does.
 */

import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import type { TriggerBuilder } from "@nenc/sdk";
import { jsonToValue, triggerToProto } from "../../sdk/typescript/src/convert.js";
import type { JsonObject } from "../../sdk/typescript/src/json.js";

export interface BenchClients {
  apps: Client<typeof AppService>;
  invocations: Client<typeof InvocationService>;
  events: Client<typeof EventService>;
  close(): void;
}

export function benchClients(url: string): BenchClients {
  const sessionManager = new Http2SessionManager(url, {
    pingIntervalMs: 600_000,
    pingTimeoutMs: 600_000,
    idleConnectionTimeoutMs: 600_000,
  });
  const transport = createGrpcTransport({ baseUrl: url, sessionManager });
  return {
    apps: createClient(AppService, transport),
    invocations: createClient(InvocationService, transport),
    events: createClient(EventService, transport),
    close: () => sessionManager.abort(),
  };
}

export interface TaskDeclaration {
  name: string;
  triggers?: TriggerBuilder[];
}

/** RegisterApp: the app's tasks and the triggers declared on them (replacing the ones it declared before). */
export async function registerApp(
  clients: BenchClients,
  appId: string,
  tasks: TaskDeclaration[],
  options: { signal?: AbortSignal } = {},
): Promise<string[]> {
  const response = await clients.apps.registerApp(
    {
      appId,
      tasks: tasks.map((task) => ({ id: task.name })),
      triggers: tasks.flatMap((task) =>
        (task.triggers ?? []).map((builder) => triggerToProto(builder.build(), task.name, appId)),
      ),
    },
    options.signal ? { signal: options.signal } : {},
  );
  return response.triggerIds;
}

export async function invoke(clients: BenchClients, taskId: string, args: JsonObject): Promise<string> {
  const response = await clients.invocations.invoke({
    taskId,
    arguments: jsonToValue(args),
    idempotencyKey: "",
  });
  return response.invocation?.id ?? "";
}

export async function emitEvent(clients: BenchClients, code: string, payload: JsonObject): Promise<string> {
  const response = await clients.events.emitEvent({
    code,
    payload: jsonToValue(payload),
    idempotencyKey: "",
  });
  return response.eventId;
}
