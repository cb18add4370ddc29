import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { create, type DescMessage, fromJson, type MessageShape, toJson } from "@bufbuild/protobuf";
import { timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { clientTlsOptions } from "@nenc/protocol";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { AppService, ListTasksResponseSchema } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { TriggerContextSchema } from "@nenc/protocol/gen/nenc/v1/context_pb.js";
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
import { TriggerSchema } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import {
  BackfillTriggerResponseSchema,
  CreateTriggerResponseSchema,
  DeleteTriggerResponseSchema,
  DryRunTriggerResponseSchema,
  ExplainTriggerResponseSchema,
  ListTriggersResponseSchema,
  PauseTriggerResponseSchema,
  PreviewTriggerResponseSchema,
  ResumeTriggerResponseSchema,
  TriggerService,
} from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { DECODE_RECURSION_LIMIT } from "@nenc/protocol/limits";
import { COMMAND_HELP } from "./help.js";
import { UsageError, usageError } from "./usage.js";

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
  timeout: { type: "string" },
  json: { type: "string" },
  file: { type: "string" },
  count: { type: "string" },
  after: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  context: { type: "string" },
  recent: { type: "string" },
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
  health: Client<typeof Health>;
}

/** The parsed command line of one client command. */
interface CommandInput {
  values: ReturnType<typeof parseFlags>["values"];
  positionals: readonly string[];
  /** The first positional argument (the task, the id...); throws when absent. */
  first(): string;
  /** `--limit`, 0 (the server's default) when not given. */
  limit: number;
}

/** Runs one command; resolves with the exit code (0 unless the command says otherwise). */
type Command = (clients: Clients, input: CommandInput) => Promise<number>;

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
  ["triggers", triggersCommand],
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
  ["health", healthCommand],
]);

/** Exit code of `health` when the orchestrator answers but does not serve (draining): 1. */
async function healthCommand({ health }: Clients): Promise<number> {
  const answer = await health.check({ service: "" }, { timeoutMs: 5_000 });
  print(HealthCheckResponseSchema, answer);
  return answer.status === HealthCheckResponse_ServingStatus.SERVING ? 0 : 1;
}

/**
 * Runs one client command against the orchestrator and prints the answer as JSON;
 * resolves with the exit code. A command line it cannot take throws UsageError.
 */
export async function runClientCommand(command: string, argv: string[]): Promise<number> {
  const run = COMMANDS.get(command);
  if (!run) throw new UsageError(`unknown command "${command}"; see nenc --help`);
  const { values, positionals } = parseCommandLine(command, argv);
  const url = values.url ?? process.env.NENC_URL ?? "http://127.0.0.1:7070";
  const sessions = new Http2SessionManager(url, undefined, clientTlsOptions(url));
  const clients = connectClients(url, sessions);
  const first = () => {
    const value = positionals[0];
    if (!value) throw new UsageError(`missing argument; see nenc ${command} --help`);
    return value;
  };
  const limit = values.limit === undefined ? 0 : Number(values.limit);
  try {
    return await run(clients, { values, positionals, first, limit });
  } finally {
    // The HTTP/2 session would keep the process alive after the answer.
    sessions.abort();
  }
}

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
}

/** The command line, with only the flags the command's help lists (COMMAND_HELP is their one source). */
function parseCommandLine(command: string, argv: string[]) {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw usageError(command, error);
  }
  const allowed = new Set(COMMAND_HELP.get(command)?.flags.map(([flag]) => flag.split(" ")[0]));
  const foreign = Object.keys(parsed.values).find((name) => !allowed.has(`--${name}`));
  if (foreign)
    throw new UsageError(`--${foreign} is not a flag of nenc ${command}; see nenc ${command} --help`);
  return parsed;
}

/** NENC_TOKEN, when set, as every call's bearer token (an orchestrator with --auth-tokens wants one). */
const sendToken: Interceptor = (next) => (request) => {
  const token = process.env.NENC_TOKEN;
  if (token) request.header.set("authorization", `Bearer ${token}`);
  return next(request);
};

/** Clients of every service over one HTTP/2 session that the caller closes. */
function connectClients(url: string, sessions: Http2SessionManager): Clients {
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager: sessions,
    binaryOptions: { recursionLimit: DECODE_RECURSION_LIMIT },
    interceptors: [sendToken],
  });
  return {
    invocations: createClient(InvocationService, transport),
    triggers: createClient(TriggerService, transport),
    events: createClient(EventService, transport),
    apps: createClient(AppService, transport),
    health: createClient(Health, transport),
  };
}

/**
 * Prints the answer as JSON, its empty lists as [] (JSON for protobuf leaves them
 * out); returns 0, the exit code of a command that printed its answer.
 */
function print<S extends DescMessage>(schema: S, message: MessageShape<S>): 0 {
  const json = toJson(schema, message) as Record<string, unknown>;
  for (const field of schema.fields) {
    if (field.fieldKind === "list" && json[field.jsonName] === undefined) json[field.jsonName] = [];
  }
  console.log(JSON.stringify(json, null, 2));
  return 0;
}

/** Exit code of `invoke --wait --timeout` when the invocation had not ended (as coreutils' timeout). */
const TIMED_OUT = 124;

/** `nenc invoke TASK [--args JSON] [--key K] [--wait [--timeout S]]`. */
async function invokeCommand(clients: Clients, { values, first }: CommandInput): Promise<number> {
  const timeoutMs = values.timeout === undefined ? undefined : parseSeconds(values.timeout, "--timeout");
  if (timeoutMs !== undefined && !values.wait) throw new UsageError("--timeout needs --wait");
  const taskId = first();
  const invoked = await clients.invocations.invoke({
    taskId,
    arguments: fromJson(ValueSchema, parseJson(values.args ?? "{}", "--args"), DEEP),
    idempotencyKey: values.key ?? "",
  });
  if (!values.wait) return print(InvokeResponseSchema, invoked);
  const id = invoked.invocation?.id ?? "";
  const answer = await awaitSaying(
    clients,
    invoked,
    taskId,
    Date.now() + (timeoutMs ?? Number.POSITIVE_INFINITY),
  );
  print(AwaitInvocationResponseSchema, answer);
  if (!answer.done) {
    const status = InvocationStatus[answer.invocation?.status ?? 0];
    console.error(`nenc invoke: ${id} had not ended after ${values.timeout} s (still ${status})`);
    return TIMED_OUT;
  }
  // Scripts can chain on it: `nenc invoke t --wait && next` stops when the task failed.
  return answer.invocation?.status === InvocationStatus.SUCCESS ? 0 : 1;
}

/** While an invocation waits in its queue, how often `--wait` looks for a worker of its task. */
const WORKER_CHECK_MS = 5_000;

/**
 * Waits for the invocation until `deadline`; while it waits in its queue, says on
 * stderr when no connected worker runs its task (and when one connects), instead
 * of waiting in silence.
 */
async function awaitSaying(
  { invocations, apps }: Clients,
  invoked: MessageShape<typeof InvokeResponseSchema>,
  taskId: string,
  deadline: number,
): Promise<MessageShape<typeof AwaitInvocationResponseSchema>> {
  const id = invoked.invocation?.id ?? "";
  let saidNone = false;
  let answer = create(AwaitInvocationResponseSchema, { invocation: invoked.invocation, done: false });
  do {
    const queued = answer.invocation?.status === InvocationStatus.REGISTERED;
    if (queued) {
      const { tasks } = await apps.listTasks({});
      const workers = tasks.find((task) => task.id === taskId)?.connectedWorkers ?? 0;
      if (workers === 0 && !saidNone)
        console.error(
          `nenc invoke: no connected worker runs task "${taskId}"; ${id} waits in its queue until one connects (start a worker of its app; Ctrl-C stops waiting, the invocation stays queued)`,
        );
      else if (workers > 0 && saidNone) console.error(`nenc invoke: a worker of "${taskId}" is connected`);
      saidNone = workers === 0;
    }
    const cap = queued ? WORKER_CHECK_MS : Number(AWAIT_TIMEOUT_MS);
    const timeoutMs = BigInt(Math.max(0, Math.min(cap, deadline - Date.now())));
    answer = await invocations.awaitInvocation({ id, timeoutMs });
  } while (!answer.done && Date.now() < deadline);
  return answer;
}

/** `nenc triggers [list] [--task T] [--app A]`, `nenc triggers create (--json JSON | --file PATH)`. */
async function triggersCommand(
  { triggers }: Clients,
  { values, positionals }: CommandInput,
): Promise<number> {
  const [action = "list", id] = positionals;
  if (action === "list")
    return print(
      ListTriggersResponseSchema,
      await triggers.listTriggers({ targetTaskId: values.task ?? "", appId: values.app ?? "" }),
    );
  if (action === "preview") return previewCommand(triggers, id, values);
  if (action === "backfill") return backfillCommand(triggers, id, values);
  if (action === "dry-run") return dryRunCommand(triggers, id, values);
  if (action !== "create")
    throw new UsageError(`unknown action "${action}"; use list, create, preview, backfill or dry-run`);
  if ((values.json === undefined) === (values.file === undefined))
    throw new UsageError("create takes the definition as --json JSON or --file PATH (one of them)");
  const [text, flag] =
    values.json === undefined
      ? [readFileSync(values.file === "-" ? 0 : (values.file as string), "utf8"), "--file"]
      : [values.json, "--json"];
  let trigger: MessageShape<typeof TriggerSchema>;
  try {
    trigger = fromJson(TriggerSchema, parseJson(text, flag), DEEP);
  } catch (error) {
    throw new UsageError(`${flag}: not a nenc.v1.Trigger: ${(error as Error).message}`);
  }
  return print(CreateTriggerResponseSchema, await triggers.createTrigger({ trigger }));
}

/** `nenc triggers preview <id> [--count N] [--after ISO]`: the next fire times. */
async function previewCommand(
  triggers: Clients["triggers"],
  id: string | undefined,
  values: CommandInput["values"],
): Promise<number> {
  if (!id) throw new UsageError("preview takes the trigger id: nenc triggers preview <id>");
  const count = values.count === undefined ? 10 : Number(values.count);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--count: "${values.count}" is not a positive whole number`);
  const after = values.after === undefined ? undefined : timestampFromMs(parseTime(values.after, "--after"));
  const answer = await triggers.previewTrigger({ id, count, ...(after ? { after } : {}) });
  return print(PreviewTriggerResponseSchema, answer);
}

/** `nenc triggers backfill <id> --from ISO --to ISO`: the past slots, each fired once. */
async function backfillCommand(
  triggers: Clients["triggers"],
  id: string | undefined,
  values: CommandInput["values"],
): Promise<number> {
  if (!id)
    throw new UsageError("backfill takes the trigger id: nenc triggers backfill <id> --from ISO --to ISO");
  if (values.from === undefined || values.to === undefined)
    throw new UsageError("backfill takes the range: --from ISO --to ISO");
  const from = timestampFromMs(parseTime(values.from, "--from"));
  const to = timestampFromMs(parseTime(values.to, "--to"));
  return print(BackfillTriggerResponseSchema, await triggers.backfillTrigger({ id, from, to }));
}

/** `nenc triggers dry-run <id> --context JSON`: what the trigger would do, nothing fired. */
async function dryRunCommand(
  triggers: Clients["triggers"],
  id: string | undefined,
  values: CommandInput["values"],
): Promise<number> {
  // One of the two forms: a given context, or the last N stored occurrences.
  if (!id || (values.context === undefined) === (values.recent === undefined))
    throw new UsageError(
      'dry-run takes the trigger id and --context JSON (e.g. {"event":{"eventCode":"paid"}}) or --recent N',
    );
  if (values.recent !== undefined) {
    const recent = Number(values.recent);
    if (!Number.isInteger(recent) || recent < 1)
      throw new UsageError(`--recent: "${values.recent}" is not a positive whole number`);
    const answer = await triggers.dryRunTrigger({ subject: { case: "id", value: id }, recent });
    return print(DryRunTriggerResponseSchema, answer);
  }
  let context: MessageShape<typeof TriggerContextSchema>;
  try {
    context = fromJson(TriggerContextSchema, parseJson(values.context as string, "--context"), DEEP);
  } catch (error) {
    throw new UsageError(`--context: not a nenc.v1.TriggerContext: ${(error as Error).message}`);
  }
  const answer = await triggers.dryRunTrigger({ subject: { case: "id", value: id }, context });
  return print(DryRunTriggerResponseSchema, answer);
}

/** `nenc list [--task T] [--status S] [--trigger ID] [--limit N]`. */
async function listCommand({ invocations }: Clients, { values, limit }: CommandInput): Promise<number> {
  const page = await invocations.listInvocations({
    taskId: values.task ?? "",
    status: values.status ? parseStatus(values.status) : InvocationStatus.INVOCATION_STATUS_UNSPECIFIED,
    triggerId: values.trigger ?? "",
    pageSize: limit,
  });
  return print(ListInvocationsResponseSchema, page);
}

/** `nenc emit CODE [--payload JSON] [--key K]`. */
async function emitCommand({ events }: Clients, { values, first }: CommandInput): Promise<number> {
  const emitted = await events.emitEvent({
    code: first(),
    payload: fromJson(ValueSchema, parseJson(values.payload ?? "{}", "--payload"), DEEP),
    idempotencyKey: values.key ?? "",
  });
  return print(EmitEventResponseSchema, emitted);
}

/** `nenc replay [--code C] [--since ISO] [--until ISO]`. */
async function replayCommand({ events }: Clients, { values }: CommandInput): Promise<number> {
  const replayed = await events.replayEvents({
    code: values.code ?? "",
    ...(values.since ? { since: timestampFromMs(parseTime(values.since, "--since")) } : {}),
    ...(values.until ? { until: timestampFromMs(parseTime(values.until, "--until")) } : {}),
  });
  return print(ReplayEventsResponseSchema, replayed);
}

function parseJson(text: string, flag: string) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not JSON: ${(error as Error).message}`);
  }
}

function parseSeconds(text: string, flag: string): number {
  const seconds = Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds))
    throw new UsageError(`${flag}: "${text}" is not a number of seconds`);
  return seconds * 1000;
}

function parseStatus(name: string): InvocationStatus {
  const value = InvocationStatus[name.toUpperCase() as keyof typeof InvocationStatus];
  if (typeof value !== "number" || value === 0) throw new UsageError(`--status: unknown status "${name}"`);
  return value;
}

function parseTime(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: "${text}" is not a date (use ISO 8601)`);
  return ms;
}
