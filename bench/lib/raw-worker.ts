/**
 * A bare worker over nenc.v1.WorkerService/Connect (the generated TypeScript client,
 * no SDK runtime): hello, then for each assignment `started` and `completed`. It
 * speaks the stream as the SDK worker does: values as JSON bytes, assignments and
 * reports in batches (the reports of one turn of the event loop travel in one frame). The
 * handler sees the assignment and the wall-clock time it arrived, so latencies are
 * measured inside this process on one clock. Heartbeats are sent as the welcome asks.
 */
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { assignmentArguments, completedReport, type ReportMessage, reportsFrame } from "@nenc/protocol";
import {
  type Assignment,
  type ConnectRequest,
  ConnectRequestSchema,
  type EvaluateFunction,
  WorkerService,
} from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { jsonToValue } from "../../sdk/typescript/src/convert.js";
import type { JsonValue } from "../../sdk/typescript/src/json.js";
import { wallNow } from "./stats.js";

/** A push-based async iterable (the request side of the stream). */
export class Outbox<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake?: () => void;
  private ended = false;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  end(): void {
    this.ended = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.items.length > 0) {
        // Hand over everything queued at once (fewer awaits on a busy stream).
        const batch = this.items.splice(0);
        for (const item of batch) yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

export interface RawWorkerOptions {
  url: string;
  appId: string;
  taskIds: string[];
  concurrency: number;
  workerId?: string;
  /** Called when an assignment arrives; resolve to complete it (the result is null). */
  onAssignment(assignment: Assignment, receivedAt: number, worker: RawWorker): void | Promise<void>;
  /** Called right after `completed` was handed to the stream, with that wall-clock time. */
  onCompleted?(assignment: Assignment, sentAt: number): void;
  /** Function ids (trigger filters and providers) this worker announces in hello. */
  functions?: string[];
  /** Answers an evaluation request of one of `functions` (default: `true`, a filter that lets everything through). */
  onEvaluate?(request: EvaluateFunction): JsonValue | Promise<JsonValue>;
}

export class RawWorker {
  readonly workerId: string;
  private readonly outbox = new Outbox<ConnectRequest>();
  private readonly sessionManager: Http2SessionManager;
  private heartbeat?: NodeJS.Timeout;
  private loop?: Promise<void>;
  /** Reports of this turn, sent together in one frame. */
  private reports: ReportMessage[] = [];
  private jsonValues = false;
  /** Assignments received, in total. */
  received = 0;
  completed = 0;
  streamError?: unknown;

  private constructor(private readonly options: RawWorkerOptions) {
    this.workerId = options.workerId ?? `bench-${options.appId}-${Math.random().toString(36).slice(2, 10)}`;
    this.sessionManager = new Http2SessionManager(options.url, {
      // A busy orchestrator may not answer pings for a while: the benchmark measures that, it does not abort.
      pingIntervalMs: 600_000,
      pingTimeoutMs: 600_000,
      idleConnectionTimeoutMs: 600_000,
    });
  }

  /** Connects and resolves once welcomed. */
  static async start(options: RawWorkerOptions): Promise<RawWorker> {
    const worker = new RawWorker(options);
    await worker.open();
    return worker;
  }

  private async open(): Promise<void> {
    const transport = createGrpcTransport({ baseUrl: this.options.url, sessionManager: this.sessionManager });
    const client = createClient(WorkerService, transport);
    this.outbox.push(
      create(ConnectRequestSchema, {
        message: {
          case: "hello",
          value: {
            appId: this.options.appId,
            workerId: this.workerId,
            concurrency: this.options.concurrency,
            // As the SDK worker does by default (its handlers end at once, so it never holds work long).
            prefetch: Math.min(Math.max(4 * this.options.concurrency, 16), 64),
            taskIds: this.options.taskIds,
            functions: this.options.functions ?? [],
            sdk: "bench-raw/0.1.0",
            heldAssignmentIds: [],
            jsonValues: true,
            batches: true,
          },
        },
      }),
    );
    let welcomed!: () => void;
    let failed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      welcomed = resolve;
      failed = reject;
    });
    this.loop = (async () => {
      try {
        for await (const response of client.connect(this.outbox)) {
          const message = response.message;
          if (message.case === "assignment" || message.case === "assignments") {
            const receivedAt = wallNow();
            const items = message.case === "assignment" ? [message.value] : message.value.items;
            this.received += items.length;
            for (const assignment of items) this.handle(assignment, receivedAt);
          } else if (message.case === "evaluate") {
            this.evaluate(message.value);
          } else if (message.case === "welcome") {
            this.heartbeat = setInterval(
              () =>
                this.outbox.push(create(ConnectRequestSchema, { message: { case: "heartbeat", value: {} } })),
              Number(message.value.heartbeatIntervalMs),
            );
            this.heartbeat.unref();
            this.jsonValues = message.value.jsonValues;
            welcomed();
          }
        }
      } catch (error) {
        this.streamError = error;
        failed(error);
      } finally {
        clearInterval(this.heartbeat);
      }
    })();
    await ready;
  }

  private handle(assignment: Assignment, receivedAt: number): void {
    // Handlers read `arguments`, whichever field carried them.
    assignment.arguments = assignmentArguments(assignment);
    this.report({ case: "started", value: { assignmentId: assignment.assignmentId } });
    const outcome = this.options.onAssignment(assignment, receivedAt, this);
    if (outcome && typeof (outcome as Promise<void>).then === "function") {
      (outcome as Promise<void>).then(
        () => this.complete(assignment),
        () => this.complete(assignment),
      );
    } else this.complete(assignment);
  }

  private evaluate(request: EvaluateFunction): void {
    void Promise.resolve(this.options.onEvaluate ? this.options.onEvaluate(request) : true).then((value) =>
      this.outbox.push(
        create(ConnectRequestSchema, {
          message: { case: "evaluated", value: { requestId: request.requestId, value: jsonToValue(value) } },
        }),
      ),
    );
  }

  private complete(assignment: Assignment): void {
    this.completed++;
    this.report(completedReport(assignment.assignmentId, "null", this.jsonValues));
    this.options.onCompleted?.(assignment, wallNow());
  }

  /** Queues a report; the reports of this turn go out together once its microtasks ran. */
  private report(message: ReportMessage): void {
    this.reports.push(message);
    if (this.reports.length === 1) queueMicrotask(() => this.flushReports());
  }

  private flushReports(): void {
    const reports = this.reports;
    this.reports = [];
    if (reports.length > 0) this.outbox.push(reportsFrame(reports));
  }

  async stop(): Promise<void> {
    this.outbox.push(create(ConnectRequestSchema, { message: { case: "drain", value: {} } }));
    this.outbox.end();
    clearInterval(this.heartbeat);
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.sessionManager.abort();
  }
}
