import type { JsonObject, JsonValue } from "./json.js";
import type { Traceparent } from "./trace.js";

/** Every status of an invocation, in lifecycle order. */
export const INVOCATION_STATUSES = [
  "REGISTERED",
  "PENDING",
  "RUNNING",
  "SUCCESS",
  "FAILED",
  "RETRY",
] as const;

/** A status of an invocation (docs/design.md §1.4). */
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** Statuses after which nothing happens to the invocation any more. */
export const FINAL_STATUSES: ReadonlySet<InvocationStatus> = new Set(["SUCCESS", "FAILED"]);

/** True for SUCCESS and FAILED: the statuses an invocation never leaves. */
export function isFinalStatus(status: InvocationStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** Parses a status name case-insensitively; undefined when it is not a status. */
export function parseStatus(name: string): InvocationStatus | undefined {
  const upper = name.trim().toUpperCase();
  return (INVOCATION_STATUSES as readonly string[]).includes(upper) ? (upper as InvocationStatus) : undefined;
}

/**
 * The transitions the state machine allows. Anything else is a bug or a stale
 * message, and the store refuses it.
 */
const TRANSITIONS: Record<InvocationStatus, readonly InvocationStatus[]> = {
  REGISTERED: ["PENDING"],
  PENDING: ["RUNNING", "SUCCESS", "FAILED", "RETRY", "REGISTERED"],
  RUNNING: ["SUCCESS", "FAILED", "RETRY", "REGISTERED"],
  RETRY: ["PENDING"],
  SUCCESS: [],
  FAILED: [],
};

/** True when the state machine allows `from` → `to` (the store refuses the rest). */
export function canTransition(from: InvocationStatus, to: InvocationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** An error raised by a task function, as its worker reported it. */
export interface TaskError {
  type: string;
  message: string;
  /** Type names, most specific first (JS prototype chain, Python MRO). */
  chain: string[];
  stack: string;
}

/** Why a trigger created an invocation. */
export interface Provenance {
  triggerId: string;
  occurrenceIds: string[];
  /** Invocations whose status changes took part. */
  sourceInvocationIds: string[];
  /** Events that took part. */
  eventIds: string[];
}

/** The worker and assignment currently holding an invocation. */
export interface AssignmentRef {
  assignmentId: string;
  workerId: string;
  /** When the worker was given it (epoch ms): an attempt's timeout runs from here. */
  assignedAt: number;
}

/**
 * One run of a task, through all its attempts: the record the store keeps and every
 * status change updates. Its status changes are occurrences for status triggers.
 */
export interface Invocation {
  id: string;
  taskId: string;
  /** The app that registered the task. */
  appId: string;
  status: InvocationStatus;
  arguments: JsonObject;
  /** Set at SUCCESS. */
  result?: JsonValue;
  /** The error of the last failed attempt. */
  error?: TaskError;
  /** 1 for the first attempt. */
  attempt: number;
  /** Set when a trigger created the invocation. */
  provenance?: Provenance;
  /** Set while a worker holds the invocation (PENDING, RUNNING). */
  assignment?: AssignmentRef;
  /** When a RETRY invocation becomes due again (epoch ms). */
  retryAt?: number;
  /** Incremented by every change; names the status occurrence of each transition. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /** The trace context of what created it (a caller, a firing, a cron slot); workers continue it. */
  traceparent?: Traceparent;
}

/** One ended attempt of an invocation: who ran it, when, and how it ended. */
export interface AttemptRecord {
  /** 1 for the first. */
  attempt: number;
  workerId: string;
  /** When the worker was given it (epoch ms). */
  assignedAt: number;
  /** When it ended (epoch ms): its result or error arrived, or its timeout passed. */
  endedAt: number;
  /** SUCCESS and FAILED are final; RETRY: another attempt follows. */
  outcome: "SUCCESS" | "FAILED" | "RETRY";
  error?: TaskError;
}

/** What the store needs to create an invocation. */
export interface NewInvocation {
  id: string;
  taskId: string;
  appId: string;
  arguments: JsonObject;
  provenance?: Provenance;
  createdAt: number;
  traceparent?: Traceparent;
}

/** Work handed to a worker. */
export interface Assignment {
  assignmentId: string;
  invocationId: string;
  taskId: string;
  arguments: JsonObject;
  attempt: number;
  /** When the invocation was created (epoch ms): how long it waited for a worker. */
  createdAt: number;
  /** The invocation's trace context: the worker's span of the attempt is its child. */
  traceparent?: Traceparent;
  /**
   * How often a worker lost this invocation, which then went back to the queue: its
   * stream ended, its lease ran out, or it did not start it within a lease. Absent
   * when never.
   */
  lost?: number;
}
