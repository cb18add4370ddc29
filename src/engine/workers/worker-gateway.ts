import { MAX_JSON_DEPTH } from "@nenc/protocol/limits";
import { NencError } from "../../domain/errors.js";
import { COUNT_LIMITS, requireAtMost } from "../limits.js";
import { requireName } from "../validate.js";
import { type WorkerConnection, WorkerLink, type WorkerLinkDeps } from "./worker-link.js";
import type { WorkerChannel, WorkerHello } from "./worker-session.js";

export interface WorkerGatewayOptions {
  /** Assignments of a worker silent for this long go to other workers. */
  leaseMs: number;
  heartbeatIntervalMs: number;
  maxConcurrency: number;
  maxPayloadBytes: number;
  /** An invocation its workers lost this many times fails (WorkerLost) instead of running again. */
  maxWorkerLosses: number;
}

/** Assignments a worker may hold beyond its concurrency at most (WorkerHello.prefetch). */
export const MAX_PREFETCH = 1_000;
/** The longest SDK name and version a worker's hello may carry (it is logged and shown). */
const MAX_SDK_CHARS = 100;

/** What the gateway needs of the engine: what each worker stream needs. */
export type WorkerGatewayDeps = WorkerLinkDeps;

/**
 * Admits workers: validates their hello, records the connection in the store, and
 * hands each stream to a WorkerLink that applies its messages.
 *
 * A worker that reconnects (same worker id, new stream, this replica or another)
 * lists in its hello the assignments it still runs: the new stream takes those over
 * and the rest go back to the queue; the old stream's cleanup, whenever it runs,
 * then releases nothing (see WorkStore.connectWorker).
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

  async connect(announced: WorkerHello, channel: WorkerChannel): Promise<WorkerConnection> {
    const { store, dispatcher, functions, clock, logger } = this.deps;
    await this.validate(announced);
    const hello = boundToOwner(announced);
    const link = new WorkerLink(hello, channel, this.deps, this.options);
    const session = link.session;
    const now = clock.now();
    const requeued = await store.work.connectWorker(
      session.ref,
      hello.heldAssignmentIds,
      now + this.options.leaseMs,
      now,
      { appId: session.appId, taskIds: session.taskIds, concurrency: session.concurrency, sdk: session.sdk },
    );
    channel.welcome({
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      leaseMs: this.options.leaseMs,
      maxPayloadBytes: this.options.maxPayloadBytes,
      maxJsonDepth: MAX_JSON_DEPTH,
    });
    link.adopt(hello.heldAssignmentIds);
    session.state = "serving";
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
      prefetch: session.prefetch,
      sdk: session.sdk,
      held: hello.heldAssignmentIds.length,
      requeued: requeued.length,
    });
    return link;
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
    if (!Number.isInteger(hello.prefetch) || hello.prefetch < 0 || hello.prefetch > MAX_PREFETCH) {
      throw NencError.invalid(
        "hello.prefetch",
        `must be an integer from 0 to ${MAX_PREFETCH} (assignments held beyond concurrency; 0 for none)`,
      );
    }
    if (hello.sdk.length > MAX_SDK_CHARS)
      throw NencError.invalid(
        "hello.sdk",
        `is ${hello.sdk.length} characters long; at most ${MAX_SDK_CHARS} ("<name>/<version>", e.g. typescript/0.1.0)`,
      );
    requireAtMost(hello.taskIds.length, COUNT_LIMITS.tasksPerApp, "hello.taskIds", "task ids");
    requireAtMost(hello.functions.length, COUNT_LIMITS.functionsPerWorker, "hello.functions", "function ids");
    // A worker holds at most concurrency + prefetch: more is not a reconnection, and would be store work for nothing.
    requireAtMost(
      hello.heldAssignmentIds.length,
      hello.concurrency + hello.prefetch,
      "hello.heldAssignmentIds",
      "held assignments (more than hello.concurrency + hello.prefetch)",
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

/**
 * The hello with the worker's identity bound to its stream's token: "<id>@<token
 * name>". A caller with another token naming the same id is another worker, holding
 * none of the first one's assignments (docs/design.md §6).
 */
function boundToOwner(hello: WorkerHello): WorkerHello {
  return hello.owner === undefined ? hello : { ...hello, workerId: `${hello.workerId}@${hello.owner}` };
}
