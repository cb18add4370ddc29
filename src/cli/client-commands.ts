import { parseArgs } from "node:util";
import { type DescMessage, fromJson, type MessageShape, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AppService, ListTasksResponseSchema } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import {
  EmitEventResponseSchema,
  EventService,
  ListEventsResponseSchema,
  ReplayEventsResponseSchema,
} from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import {
  AwaitInvocationResponseSchema,
  GetInvocationResponseSchema,
  InvocationService,
  InvokeResponseSchema,
  ListInvocationsResponseSchema,
} from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import {
  DeleteTriggerResponseSchema,
  ExplainTriggerResponseSchema,
  ListTriggersResponseSchema,
  PauseTriggerResponseSchema,
  ResumeTriggerResponseSchema,
  TriggerService,
} from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { DECODE_RECURSION_LIMIT } from "@nenc/protocol/limits";

export const CLIENT_COMMANDS = new Set([
  "invoke",
  "get",
  "list",
  "emit",
  "events",
  "replay",
  "triggers",
  "explain",
  "pause",
  "resume",
  "delete",
  "tasks",
]);

const OPTIONS = {
  url: { type: "string" },
  args: { type: "string" },
  payload: { type: "string" },
  key: { type: "string" },
  wait: { type: "boolean" },
  task: { type: "string" },
  app: { type: "string" },
  status: { type: "string" },
  trigger: { type: "string" },
  code: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  limit: { type: "string" },
} as const;

/** JSON arguments as deep as the orchestrator accepts (and some more: it names the limit). */
const DEEP = { recursionLimit: DECODE_RECURSION_LIMIT };

/** Runs one client command against the orchestrator and prints the answer as JSON. */
export async function runClientCommand(command: string, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const url = values.url ?? process.env.NENC_URL ?? "http://127.0.0.1:7070";
  const sessions = new Http2SessionManager(url);
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager: sessions,
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
  });
  const invocations = createClient(InvocationService, transport);
  const triggers = createClient(TriggerService, transport);
  const events = createClient(EventService, transport);
  const apps = createClient(AppService, transport);
  const print = <S extends DescMessage>(schema: S, message: MessageShape<S>) =>
    console.log(toJsonString(schema, message, { prettySpaces: 2 }));
  const first = () => {
    const value = positionals[0];
    if (!value) throw new Error(`missing argument; see nenc help`);
    return value;
  };
  const limit = values.limit === undefined ? 0 : Number(values.limit);
  try {
    switch (command) {
      case "invoke": {
        const invoked = await invocations.invoke({
          taskId: first(),
          arguments: fromJson(ValueSchema, parseJson(values.args ?? "{}", "--args"), DEEP),
          idempotencyKey: values.key ?? "",
        });
        if (!values.wait) return print(InvokeResponseSchema, invoked);
        let answer = await invocations.awaitInvocation({ id: invoked.invocation!.id, timeoutMs: 300_000n });
        while (!answer.done)
          answer = await invocations.awaitInvocation({ id: invoked.invocation!.id, timeoutMs: 300_000n });
        print(AwaitInvocationResponseSchema, answer);
        // Scripts can chain on it: `nenc invoke t --wait && next` stops when the task failed.
        if (answer.invocation?.status !== InvocationStatus.SUCCESS) process.exitCode = 1;
        return;
      }
      case "get":
        return print(GetInvocationResponseSchema, await invocations.getInvocation({ id: first() }));
      case "list":
        return print(
          ListInvocationsResponseSchema,
          await invocations.listInvocations({
            taskId: values.task ?? "",
            status: values.status
              ? parseStatus(values.status)
              : InvocationStatus.INVOCATION_STATUS_UNSPECIFIED,
            triggerId: values.trigger ?? "",
            pageSize: limit,
          }),
        );
      case "emit":
        return print(
          EmitEventResponseSchema,
          await events.emitEvent({
            code: first(),
            payload: fromJson(ValueSchema, parseJson(values.payload ?? "{}", "--payload"), DEEP),
            idempotencyKey: values.key ?? "",
          }),
        );
      case "events":
        return print(
          ListEventsResponseSchema,
          await events.listEvents({ code: values.code ?? "", pageSize: limit }),
        );
      case "replay":
        return print(
          ReplayEventsResponseSchema,
          await events.replayEvents({
            code: values.code ?? "",
            ...(values.since ? { since: timestampFromMs(parseTime(values.since, "--since")) } : {}),
            ...(values.until ? { until: timestampFromMs(parseTime(values.until, "--until")) } : {}),
          }),
        );
      case "triggers":
        return print(
          ListTriggersResponseSchema,
          await triggers.listTriggers({ targetTaskId: values.task ?? "", appId: values.app ?? "" }),
        );
      case "explain":
        return print(ExplainTriggerResponseSchema, await triggers.explainTrigger({ id: first(), limit }));
      case "pause":
        return print(PauseTriggerResponseSchema, await triggers.pauseTrigger({ id: first() }));
      case "resume":
        return print(ResumeTriggerResponseSchema, await triggers.resumeTrigger({ id: first() }));
      case "delete":
        return print(DeleteTriggerResponseSchema, await triggers.deleteTrigger({ id: first() }));
      case "tasks":
        return print(ListTasksResponseSchema, await apps.listTasks({ appId: values.app ?? "" }));
    }
  } finally {
    sessions.abort();
  }
}

function parseJson(text: string, flag: string) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${flag} is not JSON: ${(error as Error).message}`);
  }
}

function parseStatus(name: string): InvocationStatus {
  const value = InvocationStatus[name.toUpperCase() as keyof typeof InvocationStatus];
  if (typeof value !== "number" || value === 0) throw new Error(`--status: unknown status "${name}"`);
  return value;
}

function parseTime(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`${flag}: "${text}" is not a date (use ISO 8601)`);
  return ms;
}
