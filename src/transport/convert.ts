import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { contextToWire, int64ToProto, jsonToValue, statusToProto, valueFields } from "@nenc/protocol";
import { type Worker as WorkerMessage, WorkerSchema } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import type { TriggerContext as TriggerContextMessage } from "@nenc/protocol/gen/nenc/v1/context_pb.js";
import { type Event, EventSchema } from "@nenc/protocol/gen/nenc/v1/event_pb.js";
import {
  type Attempt as AttemptMessage,
  AttemptSchema,
  type Invocation as InvocationMessage,
  InvocationSchema,
  type TaskError as TaskErrorMessage,
} from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { InvokeRequest } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import {
  type TaskDefinition,
  type Task as TaskMessage,
  TaskSchema,
} from "@nenc/protocol/gen/nenc/v1/task_pb.js";
import {
  type Evaluation,
  EvaluationOutcome,
  EvaluationSchema,
  type PendingMatch,
  PendingMatchSchema,
} from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import {
  AbortReason as AbortReasonEnum,
  type EvaluateFunction,
  EvaluateFunctionSchema,
  FunctionPurpose,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import type { TriggerContext } from "../domain/context.js";
import type {
  Evaluation as DomainEvaluation,
  EvaluationOutcome as DomainOutcome,
} from "../domain/evaluation.js";
import type { StoredEvent } from "../domain/event.js";
import type { AttemptRecord, Invocation, TaskError } from "../domain/invocation.js";
import type { JoinState } from "../domain/join.js";
import type { RetryPolicy, Task } from "../domain/task.js";
import { acceptTraceparent, type Traceparent } from "../domain/trace.js";
import type { InvokeOptions } from "../engine/invocations/invocations.js";
import type { TaskDeclaration } from "../engine/registry/trigger-registry.js";
import type { AbortReason, EvaluationRequest } from "../engine/workers/worker-session.js";
import type { LiveWorker } from "../store/store.js";

/*
 * Domain values to and from proto messages, for everything but trigger definitions
 * (convert-trigger.ts). The one place that knows both shapes, so the engine never
 * sees generated code.
 */

/** An invocation as the contract's Invocation message (its worker id when held). */
export function invocationToProto(invocation: Invocation): InvocationMessage {
  return create(InvocationSchema, {
    id: invocation.id,
    taskId: invocation.taskId,
    appId: invocation.appId,
    status: statusToProto(invocation.status),
    arguments: invocation.arguments,
    ...(invocation.result === undefined ? {} : { result: jsonToValue(invocation.result) }),
    ...(invocation.error ? { error: invocation.error } : {}),
    attempt: invocation.attempt,
    ...(invocation.provenance ? { provenance: invocation.provenance } : {}),
    createdAt: timestampFromMs(invocation.createdAt),
    updatedAt: timestampFromMs(invocation.updatedAt),
    workerId: invocation.assignment?.workerId ?? "",
    traceparent: invocation.traceparent ?? "",
  });
}

/** A worker's reported error; a missing type becomes "Error" and an empty chain the type alone. */
export function taskErrorFromProto(error: TaskErrorMessage | undefined): TaskError {
  const type = error?.type || "Error";
  return {
    type,
    message: error?.message ?? "",
    chain: error && error.chain.length > 0 ? [...error.chain] : [type],
    stack: error?.stack ?? "",
  };
}

/**
 * A task of a RegisterApp request. Only the retry fields that were set are kept, so
 * the registry fills the rest with defaults; a timeout of 0 means none.
 */
export function taskDeclarationFromProto(definition: TaskDefinition): TaskDeclaration {
  const declaration: TaskDeclaration = { id: definition.id };
  // 0 is the proto default: no limit.
  if (definition.timeoutMs !== 0n) declaration.timeoutMs = Number(definition.timeoutMs);
  const retry = definition.retry;
  if (!retry) return declaration;
  const policy: Partial<RetryPolicy> = { maxRetries: retry.maxRetries, retryOn: [...retry.retryOn] };
  if (retry.initialBackoffMs !== undefined) policy.initialBackoffMs = Number(retry.initialBackoffMs);
  if (retry.backoffMultiplier !== undefined) policy.backoffMultiplier = retry.backoffMultiplier;
  if (retry.maxBackoffMs !== undefined) policy.maxBackoffMs = Number(retry.maxBackoffMs);
  declaration.retry = policy;
  return declaration;
}

/** A registered task as the contract's Task message (ListTasks), with its live workers. */
export function taskToProto(task: Task, connectedWorkers = 0): TaskMessage {
  return create(TaskSchema, {
    id: task.id,
    appId: task.appId,
    retry: {
      maxRetries: task.retry.maxRetries,
      initialBackoffMs: int64ToProto(task.retry.initialBackoffMs),
      backoffMultiplier: task.retry.backoffMultiplier,
      maxBackoffMs: int64ToProto(task.retry.maxBackoffMs),
      retryOn: task.retry.retryOn,
    },
    timeoutMs: BigInt(task.timeoutMs ?? 0),
    connectedWorkers,
  });
}

/** A stored event as the contract's Event message. */
export function eventToProto(event: StoredEvent): Event {
  return create(EventSchema, {
    id: event.id,
    code: event.code,
    payload: event.payload,
    emittedAt: timestampFromMs(event.emittedAt),
    idempotencyKey: event.idempotencyKey ?? "",
    invocationIds: event.invocationIds,
  });
}

const OUTCOMES: Record<DomainOutcome, EvaluationOutcome> = {
  fired: EvaluationOutcome.FIRED,
  waiting: EvaluationOutcome.WAITING,
  filtered_out: EvaluationOutcome.FILTERED_OUT,
  deduplicated: EvaluationOutcome.DEDUPLICATED,
  expired: EvaluationOutcome.EXPIRED,
  errored: EvaluationOutcome.ERRORED,
  skipped: EvaluationOutcome.SKIPPED,
  deferred: EvaluationOutcome.DEFERRED,
};

/** One record of a trigger's history, for ExplainTrigger. */
export function evaluationToProto(evaluation: DomainEvaluation): Evaluation {
  return create(EvaluationSchema, {
    at: timestampFromMs(evaluation.at),
    occurrenceId: evaluation.occurrenceId,
    outcome: OUTCOMES[evaluation.outcome],
    invocationId: evaluation.invocationId ?? "",
    missingConditions: evaluation.missingConditions ?? [],
    conditionIndex: evaluation.conditionIndex ?? 0,
    detail: evaluation.detail,
  });
}

/** The waiting AND matches of one correlation key (`partition`), for ExplainTrigger. */
export function pendingToProto(partition: string, state: JoinState): PendingMatch[] {
  return state.entries.map((entry) =>
    create(PendingMatchSchema, {
      correlationKey: partition,
      satisfiedConditions: Object.keys(entry.satisfied).map(Number),
      occurrenceIds: Object.values(entry.satisfied).map((occurrence) => occurrence.id),
      since: timestampFromMs(entry.firstAt),
    }),
  );
}

/** The contract's name of why an attempt was ended without its worker. */
export function abortReasonToProto(reason: AbortReason): AbortReasonEnum {
  return reason === "timeout" ? AbortReasonEnum.TIMEOUT : AbortReasonEnum.NOT_STARTED;
}

/**
 * A call of a filter or provider function, as the stream's EvaluateFunction message;
 * the value as JSON bytes for a worker that reads them (`jsonValues`).
 */
export function evaluationRequestToProto(request: EvaluationRequest, jsonValues: boolean): EvaluateFunction {
  return create(EvaluateFunctionSchema, {
    requestId: request.requestId,
    function: request.functionId,
    purpose: request.purpose === "filter" ? FunctionPurpose.FILTER : FunctionPurpose.PROVIDER,
    triggerId: request.triggerId,
    ...(request.value === undefined ? {} : valueFields(JSON.stringify(request.value), jsonValues)),
    ...(request.context ? { context: contextToProto(request.context) } : {}),
    contexts: (request.contexts ?? []).map(contextToProto),
  });
}

/** A trigger context as the contract's TriggerContext (what a function receives). */
export function contextToProto(context: TriggerContext): TriggerContextMessage {
  return contextToWire(context, timestampFromMs);
}

/** Reads an optional Timestamp field as epoch ms. */
export function optionalMs(timestamp: Timestamp | undefined): number | undefined {
  return timestamp ? timestampMs(timestamp) : undefined;
}

/**
 * The trace context a request carries: its `traceparent` field, else its
 * `traceparent` header; an invalid one is dropped, as W3C Trace Context asks.
 */
export function traceOption(field: string, headers?: Headers): { traceparent?: Traceparent } {
  const traceparent = acceptTraceparent(field) ?? acceptTraceparent(headers?.get("traceparent"));
  return traceparent ? { traceparent } : {};
}

/** How an InvokeRequest asks to invoke (its idempotency key and trace context). */
export function invokeOptions(request: InvokeRequest, headers?: Headers): InvokeOptions {
  return {
    ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    ...traceOption(request.traceparent, headers),
  };
}

/** A live worker as the contract's Worker message. */
export function workerToProto(worker: LiveWorker): WorkerMessage {
  return create(WorkerSchema, {
    workerId: worker.workerId,
    appId: worker.appId,
    taskIds: [...worker.taskIds],
    concurrency: worker.concurrency,
    sdk: worker.sdk,
    held: worker.held,
    leaseUntil: timestampFromMs(worker.leaseUntil),
  });
}

/** An ended attempt as the contract's Attempt message. */
export function attemptToProto(record: AttemptRecord): AttemptMessage {
  return create(AttemptSchema, {
    attempt: record.attempt,
    workerId: record.workerId,
    assignedAt: timestampFromMs(record.assignedAt),
    endedAt: timestampFromMs(record.endedAt),
    outcome: statusToProto(record.outcome),
    ...(record.error ? { error: record.error } : {}),
  });
}
