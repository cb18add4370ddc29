import { NencError } from "../../domain/errors.js";
import type { Assignment, TaskError } from "../../domain/invocation.js";
import type { JsonValue } from "../../domain/json.js";
import type { Logger } from "../../domain/logger.js";
import { decideRetry } from "../../domain/task.js";
import type { AttemptOutcome, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import type { Dispatcher } from "../invocations/dispatcher.js";
import { COUNT_LIMITS, requireAtMost } from "../limits.js";
import type { TaskRegistry } from "../registry/task-registry.js";
import type { EngineTelemetry } from "../telemetry.js";
import { requireJson } from "../validate.js";
import { AttemptDeadlines } from "./attempt-deadlines.js";
import type { FunctionRunner } from "./function-runner.js";
import { StartRecorder } from "./start-recorder.js";
import { type WorkerChannel, type WorkerHello, type WorkerMessage, WorkerSession } from "./worker-session.js";

/** One message's turn on a stream (see WorkerLink.receive): its application, once started. */
interface Turn {
  done: Promise<void> | undefined;
}

/** The type of the error that fails an attempt whose result the orchestrator cannot accept. */
export const RESULT_NOT_ACCEPTED = "ResultNotAccepted";

/** The type of the error that fails an invocation its workers kept losing. */
export const WORKER_LOST = "WorkerLost";

/**
 * How long RUNNING may wait to be written with the result (one store step instead of
 * two for a task this quick); a slower task's start is written on its own then.
 */
const START_WRITE_DELAY_MS = 2;

/** A connected worker stream, as the transport sees it: messages in, an end. */
export interface WorkerConnection {
  readonly session: WorkerSession;
  /**
   * Applies a message. Messages are applied concurrently (a store round trip each
   * would cap a worker's throughput), except that those about one assignment keep
   * their order. Bad input is logged and skipped; an unexpected failure closes the
   * stream with an error.
   */
  receive(message: WorkerMessage): void;
  /** Resolves once every message received so far was applied. */
  settled(): Promise<void>;
  /** The stream ended: its unfinished assignments go back to the queue. */
  disconnected(): Promise<void>;
}

/** What a worker stream needs of the engine. */
export interface WorkerLinkDeps {
  store: Pick<Store, "work">;
  /** The process clock (see Clock): the start write's delay. */
  processClock: Clock;
  dispatcher: Dispatcher;
  functions: FunctionRunner;
  tasks: TaskRegistry;
  clock: Clock;
  logger: Logger;
  /** A retry was scheduled for `time`: wake the queue then. */
  onRetryScheduled(time: number): void;
  telemetry: EngineTelemetry;
}

export interface WorkerLinkOptions {
  leaseMs: number;
  maxPayloadBytes: number;
  maxWorkerLosses: number;
}

/**
 * One worker stream, admitted: turns its messages into state changes (started,
 * completed, failed with the retry decision, heartbeats renewing its lease, function
 * answers) and keeps its attempts' deadlines. A message about an assignment the
 * worker does not hold (any more, or ever: another worker's) is ignored and logged;
 * the store checks the holder in the step that applies it.
 */
export class WorkerLink implements WorkerConnection {
  readonly session: WorkerSession;
  /** Messages being applied, the last one of each assignment (the next waits for it), and who waits for none. */
  private applying = 0;
  private readonly lastOf = new Map<string, Turn>();
  private readonly idle: Array<() => void> = [];
  private readonly starts: StartRecorder;
  private readonly deadlines: AttemptDeadlines;
  private renewedAt: number;
  private adopting: Promise<void> = Promise.resolve();

  constructor(
    hello: WorkerHello,
    channel: WorkerChannel,
    private readonly deps: WorkerLinkDeps,
    private readonly options: WorkerLinkOptions,
  ) {
    const { store, tasks, clock, logger, telemetry } = deps;
    // An invocation lost by its workers too often (a stream that dies on it every time) is
    // failed when it comes round again instead of being handed out for ever.
    this.session = new WorkerSession(hello, {
      ...channel,
      assign: (assignment) => {
        if ((assignment.lost ?? 0) >= options.maxWorkerLosses) return this.giveUp(assignment);
        channel.assign(assignment);
        telemetry.assignmentDelivered(assignment, clock.now());
      },
    });
    this.starts = new StartRecorder({
      workerId: hello.workerId,
      store,
      clock,
      processClock: deps.processClock,
      logger,
      delayMs: START_WRITE_DELAY_MS,
    });
    this.deadlines = new AttemptDeadlines(this.session, {
      store,
      tasks,
      clock,
      logger,
      starts: this.starts,
      onRetryScheduled: deps.onRetryScheduled,
      telemetry,
      leaseMs: options.leaseMs,
    });
    this.session.deadlines = this.deadlines;
    this.renewedAt = clock.now();
    this.session.lastHeardAt = this.renewedAt;
  }

  /** Takes over the deadlines of what a reconnecting worker says it still runs. */
  adopt(heldAssignmentIds: readonly string[]): void {
    this.adopting = this.deadlines
      .adopt(heldAssignmentIds)
      .catch((error: unknown) =>
        this.deps.logger.error("reading a reconnected worker's assignments failed", { error: String(error) }),
      );
  }

  receive(message: WorkerMessage): void {
    const key = "assignmentId" in message ? message.assignmentId : undefined;
    const turn: Turn = { done: undefined };
    const previous = key === undefined ? undefined : this.lastOf.get(key)?.done;
    this.applying++;
    turn.done = this.applyInTurn(message, key, turn, previous);
    if (key !== undefined) this.lastOf.set(key, turn);
  }

  async settled(): Promise<void> {
    while (this.applying > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Applies `message` after the one before it about the same assignment. (One
   * async call per message, no closures: this runs for every message.)
   */
  private async applyInTurn(
    message: WorkerMessage,
    key: string | undefined,
    turn: Turn,
    previous: Promise<void> | undefined,
  ): Promise<void> {
    try {
      if (previous) await previous;
      await this.apply(message);
    } catch (error) {
      this.fail(error);
    } finally {
      // apply() always awaits, so receive() has stored `turn` by now.
      if (key !== undefined && this.lastOf.get(key) === turn) this.lastOf.delete(key);
      if (--this.applying === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Applies one message; bad input (a result too large, a malformed value) is the sender's problem, not the stream's. */
  private async apply(message: WorkerMessage): Promise<void> {
    try {
      const renewing = this.touch();
      if (renewing) await renewing;
      if ("startedWithIt" in message && message.startedWithIt) this.started(message.assignmentId, true);
      switch (message.kind) {
        case "started":
          return this.started(message.assignmentId);
        case "completed":
          return await this.completed(message.assignmentId, message.result);
        case "unreadable":
          return await this.failAttempt(message.assignmentId, notAccepted(message.why));
        case "failed":
          return await this.failAttempt(message.assignmentId, message.error);
        case "heartbeat":
          return;
        case "evaluated":
          return this.evaluated(message.requestId, message.outcome);
        case "functionsAnnounced":
          return this.announce(message.functions);
        case "drain":
          if (this.session.state === "serving") this.session.state = "draining";
          return;
        case "ignored":
          this.deps.logger.warn(`ignored ${message.what} on a worker stream`, {
            workerId: this.session.workerId,
          });
          return;
      }
    } catch (error) {
      if (!(error instanceof NencError)) throw error;
      this.deps.logger.warn("ignored a worker message", {
        workerId: this.session.workerId,
        kind: message.kind,
        error: error.message,
      });
    }
  }

  /** A message could not be applied for a reason other than bad input: the stream ends with the error. */
  private fail(error: unknown): void {
    if (this.session.closed) return;
    this.deps.logger.error("applying a worker message failed; the stream ends", {
      workerId: this.session.workerId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    this.session.channel.close(
      new NencError("INTERNAL", "internal error; the orchestrator logged the details"),
    );
  }

  /** A start; `withEnd`: its end is being applied right after it (see AttemptEnd). */
  private started(assignmentId: string, withEnd = false): void {
    // A revoked attempt's start changes nothing: its end is what frees the credit.
    if (this.session.revoked.has(assignmentId)) return;
    this.deadlines.started(assignmentId);
    if (withEnd) this.starts.startedWithEnd(assignmentId);
    else this.starts.started(assignmentId);
  }

  private async completed(assignmentId: string, result: JsonValue): Promise<void> {
    try {
      requireJson(result, "result", this.options.maxPayloadBytes);
    } catch (error) {
      if (!(error instanceof NencError)) throw error;
      return this.failAttempt(assignmentId, notAccepted(error.message));
    }
    return this.finish(assignmentId, { status: "SUCCESS", result });
  }

  /**
   * Any message proves the worker alive, so a backlog of its messages never costs it
   * its lease; renewing at most four times per lease keeps the store traffic small.
   */
  private touch(): Promise<void> | undefined {
    const now = this.deps.clock.now();
    this.session.lastHeardAt = now;
    if (now - this.renewedAt < this.options.leaseMs / 4 || this.session.closed) return undefined;
    this.renewedAt = now;
    return this.renew(now);
  }

  private async renew(now: number): Promise<void> {
    if (await this.deps.store.work.renewWorkerLease(this.session.ref, now + this.options.leaseMs)) return;
    // The worker connected again on another stream (another replica): this one is a leftover.
    this.session.channel.close(
      new NencError("ALREADY_EXISTS", `worker ${this.session.workerId} connected again on another stream`),
    );
  }

  private evaluated(requestId: string, outcome: { value: JsonValue } | { error: TaskError }): void {
    const answer =
      "value" in outcome
        ? acceptable(outcome.value, "the function's value", this.options.maxPayloadBytes)
        : { error: `${outcome.error.type}: ${outcome.error.message}` };
    if (!this.deps.functions.answer(this.session, requestId, answer)) {
      this.deps.logger.warn("ignored an answer to an unknown evaluation", {
        workerId: this.session.workerId,
        requestId,
      });
    }
  }

  private announce(names: readonly string[]): void {
    const total = new Set([...this.session.functions, ...names]).size;
    requireAtMost(
      total,
      COUNT_LIMITS.functionsPerWorker,
      "functionsAnnounced.functions",
      "function ids in all",
    );
    for (const name of names) this.session.functions.add(name);
    this.deps.functions.sessionsChanged();
  }

  async disconnected(): Promise<void> {
    const { store, dispatcher, functions, clock, logger } = this.deps;
    // Work held for a slot goes back without counting against it (see WorkStore.releaseWorker).
    const waiting = this.deadlines.waitingForSlot();
    this.starts.clear();
    this.deadlines.clear();
    await this.adopting;
    dispatcher.remove(this.session);
    functions.sessionClosed(this.session);
    // Releases nothing when the worker connected again meanwhile (here or on another
    // replica): its new stream holds what it still runs, the rest went back then.
    const released = await store.work.releaseWorker(this.session.ref, clock.now(), undefined, waiting);
    logger.info("worker disconnected", { workerId: this.session.workerId, requeued: released.length });
  }

  /** Ends an attempt with `outcome`, giving the credit back and refilling it when this stream held it. */
  private async finish(assignmentId: string, outcome: AttemptOutcome): Promise<void> {
    const { store, dispatcher, clock, logger } = this.deps;
    const session = this.session;
    const taskId = this.deadlines.taskOf(assignmentId);
    this.deadlines.ended(assignmentId);
    if (session.revoked.delete(assignmentId)) {
      // The attempt was ended without the worker (timed out, taken back): only its credit comes back.
      await this.starts.take(assignmentId);
      logger.info("ignored the result of an attempt that was timed out or taken back", {
        workerId: session.workerId,
        assignmentId,
      });
      dispatcher.pump(session);
      return;
    }
    const startedAt = await this.starts.take(assignmentId);
    // Credit comes back only for assignments this stream holds; anything else is
    // still offered to the store, which applies it only if this worker holds it.
    const applied = session.finish(assignmentId)
      ? await dispatcher.finishAndRefill(session, (refill) =>
          store.work.finishAttempt(assignmentId, session.ref, outcome, clock.now(), {
            refill,
            startedAt,
          }),
        )
      : (
          await store.work.finishAttempt(assignmentId, session.ref, outcome, clock.now(), {
            startedAt,
          })
        ).applied;
    if (applied && outcome.status !== "RETRY" && taskId)
      this.deps.telemetry.invocationFinished(taskId, outcome.status);
    if (!applied) {
      logger.warn("ignored a result for an assignment the worker does not hold", {
        workerId: session.workerId,
        assignmentId,
      });
    }
  }

  /** A failed attempt is retried as the task's policy says (unless it was ended without the worker). */
  private async failAttempt(assignmentId: string, error: TaskError): Promise<void> {
    const { store, tasks, clock } = this.deps;
    if (this.session.revoked.has(assignmentId)) return this.finish(assignmentId, { status: "FAILED", error });
    const assignment =
      this.session.assignments.get(assignmentId) ??
      (await store.work.getAssignment(assignmentId, this.session.workerId));
    const task = assignment && (await tasks.get(assignment.taskId));
    const decision =
      task && assignment ? decideRetry(task.retry, assignment.attempt, error) : { retry: false as const };
    if (!decision.retry) return this.finish(assignmentId, { status: "FAILED", error });
    const retryAt = clock.now() + decision.delayMs;
    await this.finish(assignmentId, { status: "RETRY", error, retryAt });
    this.deps.onRetryScheduled(retryAt);
  }

  /** Fails an invocation its workers lost maxWorkerLosses times instead of running it again. */
  private giveUp(assignment: Assignment): void {
    const { logger } = this.deps;
    const lost = assignment.lost ?? 0;
    logger.warn("an invocation its workers kept losing was failed", {
      workerId: this.session.workerId,
      invocationId: assignment.invocationId,
      lost,
    });
    const error = workerLost(lost, this.options.maxWorkerLosses);
    // After the delivery that called this has finished its bookkeeping (deadlines).
    Promise.resolve()
      .then(() => this.finish(assignment.assignmentId, { status: "FAILED", error }))
      .catch((failure: unknown) =>
        logger.error("failing a lost invocation failed", {
          invocationId: assignment.invocationId,
          error: String(failure),
        }),
      );
  }
}

function workerLost(lost: number, cap: number): TaskError {
  const message =
    `its worker lost it ${lost} times (the stream ended, the lease ran out or it was not started within a lease); ` +
    `failed instead of running it again (maxWorkerLosses ${cap}, NENC_MAX_WORKER_LOSSES). ` +
    "A result the worker could not send, or a task that takes its worker process down, does this";
  return { type: WORKER_LOST, message, chain: [WORKER_LOST], stack: "" };
}

function notAccepted(message: string): TaskError {
  return { type: RESULT_NOT_ACCEPTED, message, chain: [RESULT_NOT_ACCEPTED], stack: "" };
}

/** A function's value, or the reason it cannot be used (the evaluation then fails with it). */
function acceptable(
  value: JsonValue,
  field: string,
  maxBytes: number,
): { value: JsonValue } | { error: string } {
  try {
    return { value: requireJson(value, field, maxBytes) };
  } catch (error) {
    if (error instanceof NencError) return { error: `ValueNotAccepted: ${error.message}` };
    throw error;
  }
}
