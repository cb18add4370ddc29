/**
 * @nenc/sdk — declare tasks and triggers, run workers, emit events.
 *
 * @example
 * import { Nenc, TriggerBuilder, InvocationStatus, cel } from "@nenc/sdk";
 */
export { Nenc, type NencOptions, type TaskOptions, type WorkerHandle } from "./app.js";
export { type CelExpression, cel } from "./cel.js";
export type { KeepaliveOptions } from "./client.js";
export type {
  CronContext,
  EventContext,
  ExceptionContext,
  ProviderFunction,
  ResultContext,
  StatusContext,
  TriggerContext,
} from "./contexts.js";
export type { EventInfo, InvocationInfo } from "./convert.js";
export type { DryRunContext, DryRunReplay, DryRunResult } from "./dry-run.js";
export {
  AlreadyExistsError,
  InvalidArgumentError,
  NencError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ResultNotAcceptedError,
  TaskFailedError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors.js";
export { Invocation } from "./invocation.js";
export { type JsonObject, type JsonValue, MAX_JSON_DEPTH, ValueNotAcceptedError } from "./json.js";
export { InvocationStatus } from "./status.js";
export { type RetryOptions, Task, type TaskContext, type TaskFunction } from "./task.js";
export { type CronOptions, type MisfirePolicy, type TaskRef, TriggerBuilder } from "./trigger-builder.js";
export { RuntimeTriggerBuilder, TriggerClient, type TriggerSummary } from "./trigger-client.js";
export { describeError, type WorkerOptions, type WorkerState } from "./worker.js";
