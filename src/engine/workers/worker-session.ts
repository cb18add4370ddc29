import type { TriggerContext } from "../../domain/context.js";
import type { NencError } from "../../domain/errors.js";
import type { Assignment, TaskError } from "../../domain/invocation.js";
import type { JsonValue } from "../../domain/json.js";
import type { WorkerRef } from "../../store/store.js";
import { newId } from "../ids.js";

/** What a worker announces when it connects. */
export interface WorkerHello {
  appId: string;
  workerId: string;
  concurrency: number;
  /**
   * Assignments it may hold beyond concurrency, started as slots free (0: none).
   * Their timeout counts from the start the worker reports (see AttemptDeadlines).
   */
  prefetch: number;
  taskIds: string[];
  functions: string[];
  sdk: string;
  /**
   * Assignments the worker still runs from an earlier stream (they use credit, and
   * it may report them on this one; the others it held go back to the queue).
   */
  heldAssignmentIds: string[];
  /**
   * The name of the token the stream authenticated with (absent without tokens). The
   * worker's identity is its id under that name, so that another caller naming the
   * same id can neither resume its session nor report its results.
   */
  owner?: string;
}

/** A request to run a filter or provider function on a worker. */
export interface EvaluationRequest {
  requestId: string;
  functionId: string;
  purpose: "filter" | "provider";
  triggerId: string;
  /** Filters: the value to test. */
  value?: JsonValue;
  /** Providers: the context the function asked for, and every context that took part. */
  context?: TriggerContext;
  contexts?: TriggerContext[];
}

/** What a worker is told when admitted: its heartbeat terms and the limits its values must keep. */
export interface WelcomeTerms {
  heartbeatIntervalMs: number;
  leaseMs: number;
  maxPayloadBytes: number;
  maxJsonDepth: number;
}

/**
 * Why the orchestrator ended an attempt without its worker: "timeout" (it ran past
 * its task's timeoutMs and failed with TimeoutError), "not-started" (no start was
 * reported within one lease: the work went back to the queue). Invocation
 * cancellation will add its own reason and reuse the same abort message.
 */
export type AbortReason = "timeout" | "not-started";

/** What keeps the deadlines of a session's attempts (see AttemptDeadlines). */
export interface SessionDeadlines {
  /** An assignment was handed to the worker now. */
  delivered(assignment: Assignment): void;
  /** Takes back what was delivered and not started within a lease (the maintenance sweep calls it). */
  sweep(now: number): Promise<void>;
}

/** The engine's way to talk to one connected worker; the transport implements it. */
export interface WorkerChannel {
  /** The worker was admitted: sent before any assignment. */
  welcome(terms: WelcomeTerms): void;
  assign(assignment: Assignment): void;
  evaluate(request: EvaluationRequest): void;
  /** Tells the worker to stop running an assignment whose attempt was ended without it. */
  abort(assignmentId: string, reason: AbortReason, message: string): void;
  /** Ends the stream; with an error, the worker sees it as the stream's status. */
  close(error?: NencError): void;
}

/**
 * Where a worker stream is in its life: admitted but not yet welcomed
 * (`connecting`), taking work (`serving`), finishing what it holds and taking no
 * more (`draining`), or ended (`closed`).
 */
export type WorkerState = "connecting" | "serving" | "draining" | "closed";

/** What a worker's report of an attempt's end may say besides. */
export interface AttemptEnd {
  /**
   * The worker reported the start together with the end (in one frame): it counts
   * as a start reported just before, without a message of its own.
   */
  startedWithIt?: boolean;
}

/**
 * What a worker sends after its hello, in the engine's words (the transport
 * translates the wire messages into these).
 */
export type WorkerMessage =
  | { kind: "started"; assignmentId: string }
  | ({ kind: "completed"; assignmentId: string; result: JsonValue } & AttemptEnd)
  /** A result that could not even be read as JSON (NaN, a value with no kind): `why` says so. */
  | ({ kind: "unreadable"; assignmentId: string; why: string } & AttemptEnd)
  | ({ kind: "failed"; assignmentId: string; error: TaskError } & AttemptEnd)
  | { kind: "heartbeat" }
  | { kind: "evaluated"; requestId: string; outcome: { value: JsonValue } | { error: TaskError } }
  | { kind: "functionsAnnounced"; functions: readonly string[] }
  | { kind: "drain" }
  /** Nothing to apply (a second hello, an empty message): logged with `what`. */
  | { kind: "ignored"; what: string };

/** One connected worker stream, its lifecycle and its credit (free capacity). */
export class WorkerSession {
  readonly workerId: string;
  /** This stream, to the store: only the worker's current stream gets work (see WorkStore.connectWorker). */
  readonly ref: WorkerRef;
  readonly appId: string;
  readonly taskIds: readonly string[];
  readonly functions: Set<string>;
  readonly concurrency: number;
  /** The SDK the worker runs and its version, as its hello says (e.g. "typescript/0.1.0"). */
  readonly sdk: string;
  /** Assignments it may hold beyond concurrency, waiting for a slot (see WorkerHello.prefetch). */
  readonly prefetch: number;
  /** In-flight assignments given on this stream. */
  readonly assignments = new Map<string, Assignment>();
  /** In-flight assignments from a previous stream of the same worker. */
  readonly held: Set<string>;
  /**
   * Assignments whose attempt the orchestrator ended without the worker (timed out,
   * taken back): the worker may still be running them, so they keep their credit
   * until it reports them ended. A worker whose task ignores the abort gets no
   * more work in that slot.
   */
  readonly revoked = new Set<string>();
  /** Set by the gateway; absent in sessions that keep no deadlines. */
  deadlines?: SessionDeadlines;
  /** Credit set aside for an invocation being created straight onto this worker. */
  reserved = 0;
  state: WorkerState = "connecting";
  /** When the worker last sent anything on this stream (the gateway keeps it). */
  lastHeardAt = 0;

  constructor(
    hello: WorkerHello,
    readonly channel: WorkerChannel,
  ) {
    this.workerId = hello.workerId;
    this.ref = { workerId: hello.workerId, sessionId: newId("conn") };
    this.appId = hello.appId;
    this.taskIds = [...new Set(hello.taskIds)];
    this.functions = new Set(hello.functions);
    this.concurrency = hello.concurrency;
    this.prefetch = hello.prefetch;
    this.sdk = hello.sdk;
    this.held = new Set(hello.heldAssignmentIds);
  }

  /** The stream ended (or was replaced): it gets nothing more. */
  get closed(): boolean {
    return this.state === "closed";
  }

  /** The worker finishes what it holds and takes no new work. */
  get draining(): boolean {
    return this.state === "draining";
  }

  /** How many more assignments this worker may receive now. */
  get free(): number {
    if (this.state !== "serving") return 0;
    const busy = this.assignments.size + this.held.size + this.revoked.size + this.reserved;
    return Math.max(0, this.concurrency + this.prefetch - busy);
  }

  get inFlight(): number {
    return this.assignments.size + this.held.size;
  }

  /** Attempts using a slot of the worker's concurrency: in flight or revoked, less those not started. */
  running(unstarted: number): number {
    return this.inFlight + this.revoked.size - unstarted;
  }

  /** Hands an assignment to the worker: it uses credit until the worker reports it. */
  deliver(assignment: Assignment): void {
    this.assignments.set(assignment.assignmentId, assignment);
    this.channel.assign(assignment);
    this.deadlines?.delivered(assignment);
  }

  /**
   * The attempt was ended without the worker: its credit stays used (see revoked)
   * until the worker reports it. False when the worker reported it already.
   */
  revoke(assignmentId: string): boolean {
    if (!this.assignments.delete(assignmentId) && !this.held.delete(assignmentId)) return false;
    this.revoked.add(assignmentId);
    return true;
  }

  /** Frees the credit of a finished assignment; false when this stream never held it. */
  finish(assignmentId: string): boolean {
    return this.assignments.delete(assignmentId) || this.held.delete(assignmentId);
  }
}
