import type { Assignment, NewInvocation } from "../../domain/invocation.js";
import type { StatusWatch, WorkerRef } from "../store.js";

/** How an invocation is created besides its own fields (see creationArgs). */
export interface CreationOptions {
  /** How long the idempotency key or the firing identity is kept, ms (0: none). */
  ttlMs: number;
  idempotencyKey: string;
  /** The trigger that fires it, or "". */
  triggerId: string;
  eventIds: readonly string[];
  /** The worker to assign it to at once, if its connection is still current. */
  assignTo: WorkerRef | undefined;
}

/**
 * The 15 ARGV values of one creation, as `creationAt` in scripts/includes/invocation.lua
 * reads them: the one layout every script that creates invocations takes.
 */
export function creationArgs(
  watch: StatusWatch,
  input: NewInvocation,
  options: CreationOptions,
): Array<string | number> {
  const { assignTo } = options;
  return [
    input.id,
    input.taskId,
    input.appId,
    JSON.stringify(input.arguments),
    input.provenance ? JSON.stringify(input.provenance) : "",
    options.triggerId,
    input.createdAt,
    watch.watches(input.taskId, "REGISTERED") ? "1" : "0",
    options.ttlMs,
    options.idempotencyKey,
    options.eventIds.join(","),
    assignTo?.workerId ?? "",
    assignTo && watch.watches(input.taskId, "PENDING") ? "1" : "0",
    assignTo?.sessionId ?? "",
    input.traceparent ?? "",
  ];
}

/** The first attempt's assignment of an invocation a script created assigned (`assignmentId` its reply). */
export function firstAssignment(input: NewInvocation, assignmentId: string): Assignment {
  return {
    assignmentId,
    invocationId: input.id,
    taskId: input.taskId,
    arguments: input.arguments,
    attempt: 1,
    createdAt: input.createdAt,
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
  };
}
