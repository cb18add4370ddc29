import { parseArgs } from "node:util";
import { type DescMessage, fromJson, type MessageShape, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { type Client, createClient } from "@connectrpc/connect";
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

/** The longest one AwaitInvocation may wait; `--wait` asks again until the invocation is done. */
const AWAIT_TIMEOUT_MS = 300_000n;

/** The orchestrator's services, as one command talks to them. */
interface Clients {
  invocations: Client<typeof InvocationService>;
  triggers: Client<typeof TriggerService>;
  events: Client<typeof EventService>;
  apps: Client<typeof AppService>;
}

/** The parsed command line of one client command. */
interface CommandInput {
  values: ReturnType<typeof parseCommandLine>["values"];
  /** The first positional argument (the task, the id...); throws when absent. */
  first(): string;
  /** `--limit`, 0 (the server's default) when not given. */
  limit: number;
}

type Command = (clients: Clients, input: CommandInput) => Promise<void>;

/** Each client command: the RPC it makes, printed as JSON. */
const COMMANDS = new Map<string, Command>([
  ["invoke", invokeCommand],
  [
    "get",
    async ({ invocations }, { first }) =>
      print(GetInvocationResponseSchema, await invocations.getInvocation({ id: first() })),
  ],
  ["list", listCommand],
  ["emit", emitCommand],
  [
    "events",
    async ({ events }, { values, limit }) =>
      print(ListEventsResponseSchema, await events.listEvents({ code: values.code ?? "", pageSize: limit })),
  ],
  ["replay", replayCommand],
  [
    "triggers",
    async ({ triggers }, { values }) =>
      print(
        ListTriggersResponseSchema,
        await triggers.listTriggers({ targetTaskId: values.task ?? "", appId: values.app ?? "" }),
      ),
  ],
  [
    "explain",
    async ({ triggers }, { first, limit }) =>
      print(ExplainTriggerResponseSchema, await triggers.explainTrigger({ id: first(), limit })),
  ],
  [
    "pause",
    async ({ triggers }, { first }) =>
      print(PauseTriggerResponseSchema, await triggers.pauseTrigger({ id: first() })),
  ],
  [
    "resume",
    async ({ triggers }, { first }) =>
      print(ResumeTriggerResponseSchema, await triggers.resumeTrigger({ id: first() })),
  ],
  [
    "delete",
    async ({ triggers }, { first }) =>
      print(DeleteTriggerResponseSchema, await triggers.deleteTrigger({ id: first() })),
  ],
  [
    "tasks",
    async ({ apps }, { values }) =>
      print(ListTasksResponseSchema, await apps.listTasks({ appId: values.app ?? "" })),
  ],
]);

/** The commands `nenc` runs as a client of a running orchestrator (the rest start one). */
export const CLIENT_COMMANDS: Set<string> = new Set(COMMANDS.keys());

/** Runs one client command against the orchestrator and prints the answer as JSON. */
export async function runClientCommand(command: string, argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  const url = values.url ?? process.env.NENC_URL ?? "http://127.0.0.1:7070";
  const sessions = new Http2SessionManager(url);
  const clients = connectClients(url, sessions);
  const first = () => {
    const value = positionals[0];
    if (!value) throw new Error(`missing argument; see nenc help`);
    return value;
  };
  const limit = values.limit === undefined ? 0 : Number(values.limit);
  try {
    await COMMANDS.get(command)?.(clients, { values, first, limit });
  } finally {
    // The HTTP/2 session would keep the process alive after the answer.
    sessions.abort();
  }
}

function parseCommandLine(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
}

/** Clients of every service over one HTTP/2 session that the caller closes. */
function connectClients(url: string, sessions: Http2SessionManager): Clients {
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager: sessions,
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
  });
  return {
    invocations: createClient(InvocationService, transport),
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
    apps: createClient(AppService, transport),
  };
}

function print<S extends DescMessage>(schema: S, message: MessageShape<S>): void {
  console.log(toJsonString(schema, message, { prettySpaces: 2 }));
}

/** `nenc invoke TASK [--args JSON] [--key K] [--wait]`. */
async function invokeCommand({ invocations }: Clients, { values, first }: CommandInput): Promise<void> {
  const invoked = await invocations.invoke({
    taskId: first(),
    arguments: fromJson(ValueSchema, parseJson(values.args ?? "{}", "--args"), DEEP),
    idempotencyKey: values.key ?? "",
  });
  if (!values.wait) return print(InvokeResponseSchema, invoked);
  const id = invoked.invocation!.id;
  let answer = await invocations.awaitInvocation({ id, timeoutMs: AWAIT_TIMEOUT_MS });
  while (!answer.done) answer = await invocations.awaitInvocation({ id, timeoutMs: AWAIT_TIMEOUT_MS });
  print(AwaitInvocationResponseSchema, answer);
  // Scripts can chain on it: `nenc invoke t --wait && next` stops when the task failed.
  if (answer.invocation?.status !== InvocationStatus.SUCCESS) process.exitCode = 1;
}

/** `nenc list [--task T] [--status S] [--trigger ID] [--limit N]`. */
async function listCommand({ invocations }: Clients, { values, limit }: CommandInput): Promise<void> {
  const page = await invocations.listInvocations({
    taskId: values.task ?? "",
    status: values.status ? parseStatus(values.status) : InvocationStatus.INVOCATION_STATUS_UNSPECIFIED,
    triggerId: values.trigger ?? "",
    pageSize: limit,
  });
  print(ListInvocationsResponseSchema, page);
}

/** `nenc emit CODE [--payload JSON] [--key K]`. */
async function emitCommand({ events }: Clients, { values, first }: CommandInput): Promise<void> {
  const emitted = await events.emitEvent({
    code: first(),
    payload: fromJson(ValueSchema, parseJson(values.payload ?? "{}", "--payload"), DEEP),
    idempotencyKey: values.key ?? "",
  });
  print(EmitEventResponseSchema, emitted);
}

/** `nenc replay [--code C] [--since ISO] [--until ISO]`. */
async function replayCommand({ events }: Clients, { values }: CommandInput): Promise<void> {
  const replayed = await events.replayEvents({
    code: values.code ?? "",
    ...(values.since ? { since: timestampFromMs(parseTime(values.since, "--since")) } : {}),
    ...(values.until ? { until: timestampFromMs(parseTime(values.until, "--until")) } : {}),
  });
  print(ReplayEventsResponseSchema, replayed);
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
