import { NencError } from "../domain/errors.js";
import type { Assignment, TaskError } from "../domain/invocation.js";
import type { JsonValue } from "../domain/json.js";
import type { Logger } from "../domain/logger.js";
import { decideRetry } from "../domain/task.js";
import type { AttemptOutcome, StatusWatch, Store } from "../store/store.js";
import { AttemptDeadlines } from "./attempt-deadlines.js";
import type { Clock } from "./clock.js";
import type { Dispatcher } from "./dispatcher.js";
import type { FunctionRunner } from "./function-runner.js";
import { COUNT_LIMITS, requireAtMost } from "./limits.js";
import { StartRecorder } from "./start-recorder.js";
import type { TaskRegistry } from "./task-registry.js";
import { MAX_JSON_DEPTH, requireJson, requireName } from "./validate.js";
import { type WorkerChannel, type WorkerHello, WorkerSession } from "./worker-session.js";

export interface WorkerGatewayOptions {
  /** Assignments of a worker silent for this long go to other workers. */
  leaseMs: number;
  heartbeatIntervalMs: number;
  maxConcurrency: number;
  maxPayloadBytes: number;
  /** An invocation its workers lost this many times fails (WorkerLost) instead of running again. */
  maxWorkerLosses: number;
}

export interface WorkerGatewayDeps {
  store: Store;
  dispatcher: Dispatcher;
  functions: FunctionRunner;
  tasks: TaskRegistry;
  clock: Clock;
  watch: StatusWatch;
  logger: Logger;
  /** A retry was scheduled for `time`: wake the queue then. */
  onRetryScheduled(time: number): void;
}

/** The type of the error that fails an attempt whose result the orchestrator cannot accept. */
export const RESULT_NOT_ACCEPTED = "ResultNotAccepted";

/** The type of the error that fails an invocation its workers kept losing. */
export const WORKER_LOST = "WorkerLost";

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

/**
 * How long RUNNING may wait to be written with the result (one store step instead of
 * two for a task this quick); a slower task's start is written on its own then.
 */
const START_WRITE_DELAY_MS = 2;

/** What a connected worker can tell the orchestrator, one method per message. */
export interface WorkerConnection {
  readonly session: WorkerSession;
  started(assignmentId: string): Promise<void>;
  /** A result too deep, too large or not JSON fails the attempt as ResultNotAccepted. */
  completed(assignmentId: string, result: JsonValue): Promise<void>;
  /** A result that could not even be read (NaN, no kind): fails the attempt, `why` says so. */
  notAccepted(assignmentId: string, why: string): Promise<void>;
  failed(assignmentId: string, error: TaskError): Promise<void>;
  heartbeat(): Promise<void>;
  /** Any message arrived from the worker: it is alive (renews its lease now and then). */
  touch(): Promise<void>;
  evaluated(requestId: string, outcome: { value: JsonValue } | { error: TaskError }): void;
  announce(functions: readonly string[]): void;
  drain(): void;
  /** The stream ended: its unfinished assignments go back to the queue. */
  disconnected(): Promise<void>;
}

/**
 * Admits workers (validating their hello) and turns their messages into state
 * changes: started, completed, failed (with the retry decision), heartbeats and
 * function answers. A message about an assignment the worker does not hold (any
 * more, or ever: another worker's) is ignored and logged; the store checks the
 * holder in the step that applies it.
 *
 * A worker that reconnects (same worker id, new stream, this replica or another)
 * lists in its hello the assignments it still runs: the new stream takes those over
 * and the rest go back to the queue; the old stream's cleanup, whenever it runs,
 * then releases nothing (see Store.connectWorker).
 */
export class WorkerGateway {
  constructor(
    private readonly deps: WorkerGatewayDeps,
    private readonly options: WorkerGatewayOptions,
  ) {
    if (!Number.isInteger(options.maxWorkerLosses) || options.maxWorkerLosses < 1) {
      throw new Error(
        `maxWorkerLosses (NENC_MAX_WORKER_LOSSES) must be an integer of at least 1, got ${options.maxWorkerLosses}`,
      );
    }
  }

  async connect(hello: WorkerHello, channel: WorkerChannel): Promise<WorkerConnection> {
    const { store, dispatcher, functions, tasks, clock, watch, logger } = this.deps;
    await this.validate(hello);
    // An invocation lost by its workers too often (a stream that dies on it every time) is
    // failed when it comes round again instead of being handed out for ever.
    let giveUp: (assignment: Assignment) => void = () => {};
    const session = new WorkerSession(hello, {
      ...channel,
      assign: (assignment) =>
        (assignment.lost ?? 0) >= this.options.maxWorkerLosses
          ? giveUp(assignment)
          : channel.assign(assignment),
    });
    const now = clock.now();
    const requeued = await store.connectWorker(
      session.ref,
      hello.heldAssignmentIds,
      now + this.options.leaseMs,
      now,
      watch,
    );
    channel.welcome({
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      leaseMs: this.options.leaseMs,
      maxPayloadBytes: this.options.maxPayloadBytes,
      maxJsonDepth: MAX_JSON_DEPTH,
    });
    const starts = new StartRecorder(session.workerId, store, watch, clock, logger, START_WRITE_DELAY_MS);
    const deadlines = new AttemptDeadlines(session, {
      store,
      tasks,
      clock,
      watch,
      logger,
      starts,
      onRetryScheduled: this.deps.onRetryScheduled,
      leaseMs: this.options.leaseMs,
    });
    session.deadlines = deadlines;
    const adopting = deadlines
      .adopt(hello.heldAssignmentIds)
      .catch((error: unknown) =>
        logger.error("reading a reconnected worker's assignments failed", { error: String(error) }),
      );
    const replaced = dispatcher.add(session);
    if (replaced) {
      replaced.channel.close(
        new NencError("ALREADY_EXISTS", `worker ${hello.workerId} connected again on another stream`),
      );
      functions.sessionClosed(replaced);
    }
    functions.sessionsChanged();
    logger.info("worker connected", {
      workerId: session.workerId,
      appId: session.appId,
      tasks: session.taskIds,
      concurrency: session.concurrency,
      held: hello.heldAssignmentIds.length,
      requeued: requeued.length,
    });

    // Any message proves the worker alive, so a backlog of its messages never costs it its
    // lease; renewing at most four times per lease keeps the store traffic small.
    let renewedAt = clock.now();
    session.lastHeardAt = renewedAt;
    const touch = async () => {
      const now = clock.now();
      session.lastHeardAt = now;
      if (now - renewedAt < this.options.leaseMs / 4 || session.closed) return;
      renewedAt = now;
      if (await store.renewWorkerLease(session.ref, now + this.options.leaseMs)) return;
      // The worker connected again on another stream (another replica): this one is a leftover.
      session.channel.close(
        new NencError("ALREADY_EXISTS", `worker ${session.workerId} connected again on another stream`),
      );
    };

    const finish = async (assignmentId: string, outcome: AttemptOutcome) => {
      deadlines.ended(assignmentId);
      if (session.revoked.delete(assignmentId)) {
        // The attempt was ended without the worker (timed out, taken back): only its credit comes back.
        await starts.take(assignmentId);
        logger.info("ignored the result of an attempt that was timed out or taken back", {
          workerId: session.workerId,
          assignmentId,
        });
        dispatcher.pump(session);
        return;
      }
      const startedAt = await starts.take(assignmentId);
      // Credit comes back only for assignments this stream holds; anything else is
      // still offered to the store, which applies it only if this worker holds it.
      if (!session.finish(assignmentId)) {
        const now = clock.now();
        const { applied } = await store.finishAttempt(assignmentId, session.ref, outcome, now, watch, {
          startedAt,
        });
        if (!applied) logNotHeld(assignmentId);
        return;
      }
      const applied = await dispatcher.finishAndRefill(session, (refill) =>
        store.finishAttempt(assignmentId, session.ref, outcome, clock.now(), watch, { refill, startedAt }),
      );
      if (!applied) logNotHeld(assignmentId);
    };
    // A failed attempt is retried as the task's policy says (unless it was ended without the worker).
    const failAttempt = async (assignmentId: string, error: TaskError) => {
      if (session.revoked.has(assignmentId)) return finish(assignmentId, { status: "FAILED", error });
      const assignment =
        session.assignments.get(assignmentId) ?? (await store.getAssignment(assignmentId, session.workerId));
      const task = assignment && (await tasks.get(assignment.taskId));
      const decision =
        task && assignment ? decideRetry(task.retry, assignment.attempt, error) : { retry: false as const };
      if (!decision.retry) return finish(assignmentId, { status: "FAILED", error });
      const retryAt = clock.now() + decision.delayMs;
      await finish(assignmentId, { status: "RETRY", error, retryAt });
      this.deps.onRetryScheduled(retryAt);
    };
    giveUp = (assignment) => {
      const lost = assignment.lost ?? 0;
      logger.warn("an invocation its workers kept losing was failed", {
        workerId: session.workerId,
        invocationId: assignment.invocationId,
        lost,
      });
      const error = workerLost(lost, this.options.maxWorkerLosses);
      // After the delivery that called this has finished its bookkeeping (deadlines).
      Promise.resolve()
        .then(() => finish(assignment.assignmentId, { status: "FAILED", error }))
        .catch((failure: unknown) =>
          logger.error("failing a lost invocation failed", {
            invocationId: assignment.invocationId,
            error: String(failure),
          }),
        );
    };
    const logNotHeld = (assignmentId: string) =>
      logger.warn("ignored a result for an assignment the worker does not hold", {
        workerId: session.workerId,
        assignmentId,
      });

    return {
      session,
      started: async (assignmentId) => {
        // A revoked attempt's start changes nothing: its end is what frees the credit.
        if (session.revoked.has(assignmentId)) return;
        deadlines.started(assignmentId);
        starts.started(assignmentId);
      },
      completed: async (assignmentId, result) => {
        try {
          requireJson(result, "result", this.options.maxPayloadBytes);
        } catch (error) {
          if (!(error instanceof NencError)) throw error;
          return failAttempt(assignmentId, notAccepted(error.message));
        }
        return finish(assignmentId, { status: "SUCCESS", result });
      },
      notAccepted: (assignmentId, why) => failAttempt(assignmentId, notAccepted(why)),
      failed: (assignmentId, error) => failAttempt(assignmentId, error),
      heartbeat: () => touch(),
      touch,
      evaluated: (requestId, outcome) => {
        const answer =
          "value" in outcome
            ? acceptable(outcome.value, "the function's value", this.options.maxPayloadBytes)
            : { error: `${outcome.error.type}: ${outcome.error.message}` };
        if (!functions.answer(session, requestId, answer)) {
          logger.warn("ignored an answer to an unknown evaluation", {
            workerId: session.workerId,
            requestId,
          });
        }
      },
      announce: (names) => {
        const total = new Set([...session.functions, ...names]).size;
        requireAtMost(
          total,
          COUNT_LIMITS.functionsPerWorker,
          "functionsAnnounced.functions",
          "function ids in all",
        );
        for (const name of names) session.functions.add(name);
        functions.sessionsChanged();
      },
      drain: () => {
        session.draining = true;
      },
      disconnected: async () => {
        starts.clear();
        deadlines.clear();
        await adopting;
        dispatcher.remove(session);
        functions.sessionClosed(session);
        // Releases nothing when the worker connected again meanwhile (here or on another
        // replica): its new stream holds what it still runs, the rest went back then.
        const released = await store.releaseWorker(session.ref, clock.now(), watch);
        logger.info("worker disconnected", { workerId: session.workerId, requeued: released.length });
      },
    };
  }

  private async validate(hello: WorkerHello): Promise<void> {
    requireName(hello.appId, "hello.appId", "app the worker belongs to");
    requireName(hello.workerId, "hello.workerId", "worker's stable id");
    if (
      !Number.isInteger(hello.concurrency) ||
      hello.concurrency < 1 ||
      hello.concurrency > this.options.maxConcurrency
    ) {
      throw NencError.invalid(
        "hello.concurrency",
        `must be an integer from 1 to ${this.options.maxConcurrency}`,
      );
    }
    requireAtMost(hello.taskIds.length, COUNT_LIMITS.tasksPerApp, "hello.taskIds", "task ids");
    requireAtMost(hello.functions.length, COUNT_LIMITS.functionsPerWorker, "hello.functions", "function ids");
    // A worker holds at most its concurrency: more is not a reconnection, and would be store work for nothing.
    requireAtMost(
      hello.heldAssignmentIds.length,
      hello.concurrency,
      "hello.heldAssignmentIds",
      "held assignments (more than hello.concurrency)",
    );
    for (const [index, taskId] of hello.taskIds.entries()) {
      const task = await this.deps.tasks.get(taskId);
      if (!task) {
        throw NencError.notFound(
          "task",
          taskId,
          `hello.taskIds[${index}]: register the app's tasks (RegisterApp) before connecting`,
        );
      }
      if (task.appId !== hello.appId) {
        throw NencError.invalid(
          `hello.taskIds[${index}]`,
          `task "${taskId}" belongs to app "${task.appId}", not "${hello.appId}"`,
        );
      }
    }
  }
}
