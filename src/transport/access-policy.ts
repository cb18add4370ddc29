import type {
  ListTasksRequest,
  ListWorkersRequest,
  RegisterAppRequest,
} from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { NEED_ADMIN, NEED_ANY_CLIENT, NEED_READ, type Need } from "../auth/scopes.js";

/**
 * What a call needs of its caller when the server checks tokens (docs/design.md §6):
 * - "open": nothing, not even a token (health checks, for load balancers and probes);
 * - "authenticated": any valid token (reflection);
 * - a Need, or a function of the (unary) request giving one: checked before the handler;
 * - "inHandler": the handler checks, once it has read what the call touches (the app
 *   of a task, a trigger, an invocation) or per message on a stream.
 */
export type AccessRule = "open" | "authenticated" | "inHandler" | Need | ((request: never) => Need);

/** Reads of one app's tasks or workers: read, or client of that app; all apps: read. */
const readOfApp = (request: ListTasksRequest | ListWorkersRequest): Need =>
  request.appId ? { kind: "readOf", app: request.appId } : NEED_READ;

/** Every call of every service, by service type name and method name. */
const RULES: Readonly<Record<string, Readonly<Record<string, AccessRule>>>> = {
  "nenc.v1.AppService": {
    RegisterApp: (request: RegisterAppRequest): Need => ({ kind: "worker", app: request.appId }),
    ListTasks: readOfApp,
    ListWorkers: readOfApp,
  },
  "nenc.v1.EventService": {
    EmitEvent: NEED_ANY_CLIENT,
    GetEvent: NEED_READ,
    ListEvents: NEED_READ,
    ReplayEvents: NEED_ADMIN,
  },
  "nenc.v1.InvocationService": {
    Invoke: "inHandler",
    GetInvocation: "inHandler",
    ListInvocations: "inHandler",
    AwaitInvocation: "inHandler",
    WatchInvocation: "inHandler",
    Session: "inHandler",
    GetActivity: NEED_READ,
  },
  "nenc.v1.TriggerService": {
    CreateTrigger: "inHandler",
    GetTrigger: "inHandler",
    ListTriggers: "inHandler",
    PauseTrigger: "inHandler",
    ResumeTrigger: "inHandler",
    DeleteTrigger: "inHandler",
    ExplainTrigger: "inHandler",
    PreviewTrigger: "inHandler",
    BackfillTrigger: "inHandler",
    DryRunTrigger: "inHandler",
  },
  "nenc.v1.WorkerService": { Connect: "inHandler" },
  "grpc.health.v1.Health": { Check: "open", Watch: "open", List: "open" },
  "grpc.reflection.v1.ServerReflection": { ServerReflectionInfo: "authenticated" },
  "grpc.reflection.v1alpha.ServerReflection": { ServerReflectionInfo: "authenticated" },
};

/**
 * The rule of a call. A call the table does not list needs admin: a method added
 * to a service without a rule is closed rather than open.
 */
export function ruleOf(service: string, method: string): AccessRule {
  return RULES[service]?.[method] ?? NEED_ADMIN;
}

/** The table, for the test that checks it names every method served. */
export function accessRules(): typeof RULES {
  return RULES;
}
