import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  assignmentArguments,
  completedReport,
  type ReportMessage,
  reportFor,
  reportsFrame,
  valueFields,
  wireValue,
} from "@nenc/protocol";
import { AsyncQueue } from "@nenc/protocol/async-queue";
import {
  type AbortAssignment,
  AbortReason,
  type Assignment,
  type ConnectRequest,
  ConnectRequestSchema,
  type EvaluateFunction,
  FunctionPurpose,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { setLongTimeout } from "@nenc/protocol/timers";
import { type NencClients, SDK_NAME } from "./client.js";
import { contextFromProto } from "./convert.js";
import { fromRpcError, NotFoundError, ResultNotAcceptedError } from "./errors.js";
import type { FunctionRegistry } from "./functions.js";
import { type JsonLimits, toJsonText, ValueNotAcceptedError } from "./json.js";
import type { Task, TaskContext } from "./task.js";
import { inAttemptSpan, otelApi } from "./tracing.js";

/** Where a worker is in its life: connecting, serving, finishing its work after stop(), or done. */
export type WorkerState = "STARTING" | "RUNNING" | "DRAINING" | "STOPPED";

/** What the worker needs of its app. */
export interface WorkerHost {
  readonly appId: string;
  readonly clients: NencClients;
  readonly functions: FunctionRegistry;
  /** Registers the app's tasks and triggers again (after an orchestrator lost them). */
  register(): Promise<unknown>;
}

/** Options of `app.startWorker()`. */
export interface WorkerOptions {
  /** Assignments run at the same time, at most. Default 10. */
  concurrency?: number;
  /**
   * Assignments the worker may hold beyond `concurrency`, each started when a slot
   * frees: the next work is already here when a task ends (a quick task then runs
   * without waiting for a round trip). A held assignment's `timeoutMs` counts from
   * its start. Default: 4 × `concurrency`, at least 16 and at most 64. Use 0 for long tasks, so that
   * work waiting behind them goes to another worker with a free slot instead.
   */
  prefetch?: number;
  /** How long stop() waits for running tasks. Default 30000. */
  drainTimeoutMs?: number;
}

/** The error of a task or function as the orchestrator records it. */
export function describeError(error: unknown): {
  type: string;
  message: string;
  chain: string[];
  stack: string;
} {
  if (!(error instanceof Error))
    return { type: "Error", message: String(error), chain: ["Error"], stack: "" };
  // Class names along the prototype chain, most specific first; a custom `name`
  // (set without a subclass) goes in front.
  const chain: string[] = [];
  let proto: unknown = Object.getPrototypeOf(error);
  while (proto && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name && !chain.includes(name)) chain.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  if (error.name && !chain.includes(error.name)) chain.unshift(error.name);
  return { type: chain[0] ?? "Error", message: error.message, chain, stack: error.stack ?? "" };
}

/**
 * Runs an app's tasks and trigger functions over one WorkerService/Connect stream.
 * It reconnects with backoff when the stream breaks; tasks running at that moment
 * finish and are reported as held in the new hello, and results of tasks that end
 * while no stream is up are kept and sent on the next one: they count if the
 * orchestrator had not put the work back in the queue yet, and are ignored if it
 * gave it to another worker meanwhile (at-least-once execution).
 */
export class Worker {
  readonly id = `wrk_${randomUUID()}`;
  private currentState: WorkerState = "STARTING";
  private readonly running = new Map<string, Promise<void>>();
  /** Assignments received while every slot was busy (prefetched), in arrival order. */
  private readonly waiting = new Map<string, Assignment>();
  /** The contexts of the running tasks (their `signal`). */
  private readonly contexts = new Map<string, AttemptContext>();
  private outbox?: AsyncQueue<ConnectRequest>;
  /** The current stream was welcomed and has not ended: messages sent now can arrive. */
  private live = false;
  /** What results and function values must keep to be accepted (from the welcome). */
  private limits: JsonLimits = {};
  /** Results of tasks that ended while no stream was live, for the next stream. */
  private readonly unsent = new Map<string, ConnectRequest>();
  /** What the orchestrator's welcome says it reads: JSON bytes, several reports in one frame. */
  private peer = { jsonValues: false, batches: false };
  /** Reports of this turn of the event loop, sent together (see send). */
  private reports: ReportMessage[] = [];
  private flushQueued = false;
  private startFlushQueued = false;
  private heartbeat?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private unsubscribeFunctions: () => void = () => {};
  /** `@opentelemetry/api` when the application has it: each attempt runs in a span (see tracing.ts). */
  private otel: Awaited<ReturnType<typeof otelApi>>;

  constructor(
    private readonly host: WorkerHost,
    private readonly tasks: ReadonlyMap<string, Task<never, unknown>>,
    private readonly options: Required<WorkerOptions>,
  ) {}

  get state(): WorkerState {
    return this.currentState;
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Connects; resolves once the orchestrator welcomed the worker. */
  async start(): Promise<void> {
    this.otel = await otelApi();
    let welcomed!: () => void;
    let failed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      welcomed = resolve;
      failed = reject;
    });
    this.unsubscribeFunctions = this.host.functions.onRegister((ids) =>
      this.send({ case: "functionsAnnounced", value: { functions: ids } }),
    );
    this.loop = this.connectLoop(welcomed, failed);
    await ready;
    this.currentState = "RUNNING";
  }

  /**
   * Takes no new work, runs what it holds (running tasks and prefetched assignments,
   * up to drainTimeoutMs), then closes the stream.
   */
  async stop(): Promise<void> {
    if (this.currentState === "STOPPED" || this.currentState === "DRAINING") return this.loop;
    this.currentState = "DRAINING";
    this.send({ case: "drain", value: {} });
    await Promise.race([
      this.drained(),
      new Promise<void>((resolve) => setLongTimeout(this.options.drainTimeoutMs, resolve, { unref: true })),
    ]);
    this.currentState = "STOPPED";
    this.unsubscribeFunctions();
    clearInterval(this.heartbeat);
    this.flushReports();
    this.outbox?.end();
    await this.loop;
  }

  private async connectLoop(welcomed: () => void, failed: (error: unknown) => void): Promise<void> {
    let backoff = 100;
    let started = false;
    while (!this.isStopped()) {
      try {
        await this.runStream(() => {
          started = true;
          backoff = 100;
          welcomed();
        });
      } catch (raw) {
        const error = fromRpcError(raw);
        if (this.isStopped()) break;
        if (error instanceof NotFoundError) {
          // The orchestrator lost the app's registration (a memory store restarted): register again.
          await this.host.register().catch(() => {});
        } else if (!started) {
          failed(error);
          this.currentState = "STOPPED";
          return;
        }
      }
      if (this.isStopped()) break;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private async runStream(onWelcome: () => void): Promise<void> {
    const outbox = new AsyncQueue<ConnectRequest>();
    this.outbox = outbox;
    outbox.push(
      create(ConnectRequestSchema, {
        message: {
          case: "hello",
          value: {
            appId: this.host.appId,
            workerId: this.id,
            concurrency: this.options.concurrency,
            prefetch: this.options.prefetch,
            taskIds: [...this.tasks.keys()],
            functions: this.host.functions.ids(),
            sdk: SDK_NAME,
            heldAssignmentIds: [...this.running.keys(), ...this.unsent.keys()],
            jsonValues: true,
            batches: true,
          },
        },
      }),
    );
    try {
      for await (const response of this.host.clients.workers.connect(outbox)) {
        const message = response.message;
        switch (message.case) {
          case "welcome":
            clearInterval(this.heartbeat);
            this.heartbeat = setInterval(
              () => this.send({ case: "heartbeat", value: {} }),
              Number(message.value.heartbeatIntervalMs),
            );
            this.heartbeat.unref();
            this.limits = {
              maxDepth: message.value.maxJsonDepth,
              maxBytes: Number(message.value.maxPayloadBytes),
            };
            this.peer = { jsonValues: message.value.jsonValues, batches: message.value.batches };
            this.live = true;
            for (const request of this.unsent.values()) outbox.push(reportFor(request, this.peer.jsonValues));
            this.unsent.clear();
            onWelcome();
            break;
          case "assignment":
            this.run(message.value);
            break;
          case "assignments":
            for (const assignment of message.value.items) this.run(assignment);
            break;
          case "evaluate":
            void this.evaluate(message.value);
            break;
          case "abort":
            this.abort(message.value);
            break;
        }
      }
    } finally {
      this.live = false;
      // Held work not started belongs to this stream: the orchestrator puts it back in the queue.
      this.waiting.clear();
      clearInterval(this.heartbeat);
      outbox.end();
    }
  }

  /** Read through a method: the state changes while the loop awaits. */
  private isStopped(): boolean {
    return this.currentState === "STOPPED";
  }

  /**
   * Sends a message on the live stream. Reports (started, completed, failed) go
   * together in one frame to an orchestrator that reads Reports: an end is sent
   * once the microtasks queued before it ran (the other tasks of a batch end
   * there), a start waits for the next turn of the event loop unless an end takes
   * it along (a quick task's start and end travel together, and the orchestrator
   * records both in one step). Anything else sends the reports before it.
   */
  private send(message: NonNullable<MessageInitShape<typeof ConnectRequestSchema>["message"]>): void {
    if (message.case === "started" || message.case === "completed" || message.case === "failed") {
      this.reports.push(message);
      if (message.case !== "started" && !this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flushReports());
      } else if (message.case === "started" && !this.startFlushQueued) {
        this.startFlushQueued = true;
        setImmediate(() => {
          this.startFlushQueued = false;
          this.flushReports();
        });
      }
      return;
    }
    this.flushReports();
    this.deliver(create(ConnectRequestSchema, { message }));
  }

  private flushReports(): void {
    this.flushQueued = false;
    const reports = this.reports;
    if (reports.length === 0) return;
    this.reports = [];
    if (this.live && this.peer.batches) this.deliver(reportsFrame(reports));
    else for (const report of reports) this.deliver(create(ConnectRequestSchema, { message: report }));
  }

  private deliver(request: ConnectRequest): void {
    if (this.live) this.outbox?.push(request);
    else if (request.message.case === "completed" || request.message.case === "failed")
      this.unsent.set(request.message.value.assignmentId, request);
    // Other messages (starts, heartbeats, answers to evaluations) only matter on the stream they were for.
  }

  /** Runs the assignment now if a slot is free, else holds it until one frees (prefetch). */
  private run(assignment: Assignment): void {
    if (this.running.size >= this.options.concurrency) this.waiting.set(assignment.assignmentId, assignment);
    else this.runNow(assignment);
  }

  private runNow(assignment: Assignment): void {
    const id = assignment.assignmentId;
    const context = new AttemptContext(assignment.invocationId, assignment.attempt);
    this.contexts.set(id, context);
    const execution = this.execute(assignment, context);
    // Still there unless it ended before its first await (a task this worker lacks).
    if (this.contexts.get(id) === context) this.running.set(id, execution);
  }

  private async execute(assignment: Assignment, context: AttemptContext): Promise<void> {
    const id = assignment.assignmentId;
    this.send({ case: "started", value: { assignmentId: id } });
    try {
      const task = this.tasks.get(assignment.taskId);
      if (!task) throw new Error(`this worker has no task "${assignment.taskId}"`);
      const fn = task.fn as (args: unknown, context: TaskContext) => unknown;
      const { taskId, invocationId, attempt, traceparent } = assignment;
      const result = await inAttemptSpan(
        this.otel,
        { taskId, invocationId, attempt, traceparent },
        async () => fn(assignmentArguments(assignment), context),
      );
      this.send(completedReport(id, this.travelling(result, "the task's result"), this.peer.jsonValues));
    } catch (error) {
      this.send({ case: "failed", value: { assignmentId: id, error: describeError(error) } });
    } finally {
      this.running.delete(id);
      this.contexts.delete(id);
      this.startWaiting();
    }
  }

  /** Resolves once nothing runs and nothing waits (a task that ends starts the next held one). */
  private async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** A slot freed: the oldest held assignment starts (a draining worker still runs what it holds). */
  private startWaiting(): void {
    if (this.currentState === "STOPPED") return;
    const next = this.waiting.values().next();
    if (next.done) return;
    this.waiting.delete(next.value.assignmentId);
    this.runNow(next.value);
  }

  /**
   * The orchestrator ended an attempt without this worker: the task's signal is
   * aborted. Its end is still reported (the orchestrator ignores the result, and
   * frees the slot only then).
   */
  private abort(message: AbortAssignment): void {
    const held = this.waiting.get(message.assignmentId);
    if (held) {
      // Never started: its end is reported at once, which frees its credit.
      this.waiting.delete(message.assignmentId);
      this.send({
        case: "failed",
        value: {
          assignmentId: message.assignmentId,
          error: describeError(new DOMException(message.message, "AbortError")),
        },
      });
      return;
    }
    const name = message.reason === AbortReason.TIMEOUT ? "TimeoutError" : "AbortError";
    this.contexts.get(message.assignmentId)?.abort(new DOMException(message.message, name));
  }

  /**
   * A result or function value as it travels, checked first against the limits the
   * orchestrator announced: a value it would refuse (or could not even decode) fails
   * here, in this process, as ResultNotAcceptedError; the stream is never put at risk.
   * Returns its JSON text.
   */
  private travelling(value: unknown, what: string): string {
    try {
      return toJsonText(value, what, this.limits);
    } catch (error) {
      if (error instanceof ValueNotAcceptedError) throw new ResultNotAcceptedError(error.message);
      throw error;
    }
  }

  private async evaluate(request: EvaluateFunction): Promise<void> {
    try {
      const fn = this.host.functions.get(request.function);
      if (!fn)
        throw new Error(
          `function ${request.function} is not declared in this process of app "${this.host.appId}"`,
        );
      const output =
        request.purpose === FunctionPurpose.FILTER
          ? await fn(wireValue(request.valueJson, request.value))
          : await fn(
              request.context ? contextFromProto(request.context) : undefined,
              request.contexts.map(contextFromProto),
            );
      this.send({
        case: "evaluated",
        value: {
          requestId: request.requestId,
          ...valueFields(this.travelling(output, "the function's return value"), this.peer.jsonValues),
        },
      });
    } catch (error) {
      this.send({ case: "evaluated", value: { requestId: request.requestId, error: describeError(error) } });
    }
  }
}

/**
 * A running attempt's context. Its signal is made when the task first reads it: an
 * AbortSignal costs microseconds, and most tasks never look.
 */
class AttemptContext implements TaskContext {
  private controller?: AbortController;
  private reason: unknown;
  private aborted = false;

  constructor(
    readonly invocationId: string,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
