import { InvocationStatus as StatusEnum } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { createClients, type KeepaliveOptions, type NencClients } from "./client.js";
import { type InvocationInfo, invocationInfo, jsonToValue, triggerToProto } from "./convert.js";
import { rpc } from "./errors.js";
import { FunctionRegistry } from "./functions.js";
import { Invocation } from "./invocation.js";
import { type JsonObject, toJson } from "./json.js";
import type { InvocationStatus } from "./status.js";
import { type RetryOptions, Task, type TaskFunction } from "./task.js";
import { currentTraceparent, otelApi } from "./tracing.js";
import type { TriggerBuilder, TriggerSpec } from "./trigger-builder.js";
import { TriggerClient } from "./trigger-client.js";
import { Worker, type WorkerOptions } from "./worker.js";

/**
 * The default prefetch: four times the worker's concurrency, within these bounds
 * (see WorkerOptions.prefetch). The floor keeps a small worker's next jobs at hand:
 * at concurrency 1, four would still leave it waiting on round trips.
 */
const DEFAULT_PREFETCH = { min: 16, max: 64 };
/** Options of `new Nenc()`; every one has a default. */
export interface NencOptions {
  /** Default: NENC_URL, else http://127.0.0.1:7070. */
  url?: string;
  /** Default: NENC_APP_ID, else "default". */
  appId?: string;
  /**
   * The access token every call sends (`authorization: Bearer`), for an orchestrator
   * started with --auth-tokens. Default: NENC_TOKEN, else none.
   */
  token?: string;
  /** How a stalled or vanished orchestrator is noticed (HTTP/2 PINGs). */
  keepalive?: KeepaliveOptions;
}

/** Options of `app.task()`. */
export interface TaskOptions {
  /** Triggers that run this task; each builder is one independent trigger. */
  triggers?: TriggerBuilder | readonly TriggerBuilder[];
  /** How failed attempts are retried; default no retry. */
  retry?: RetryOptions;
  /**
   * An attempt not ended this long (ms) after its delivery to a worker fails with the
   * exception type "TimeoutError" (retried as `retry` says; onException can match it)
   * and the task function's `signal` is aborted. At most 7 days; default no limit.
   */
  timeoutMs?: number;
}

/** A running worker; stop() drains it. */
export interface WorkerHandle {
  /** The worker's id, kept across its reconnections; the orchestrator's logs name it. */
  readonly id: string;
  readonly state: Worker["state"];
  /** Takes no new work, waits for running tasks (up to drainTimeoutMs), then closes the stream. */
  stop(): Promise<void>;
}

/**
 * An app: its tasks, the triggers declared on them, and the functions those
 * triggers use. Start a worker to register it and run its tasks.
 *
 * @example
 * const app = new Nenc({ appId: "shop" });
 * const processOrder = app.task("process_order", async ({ orderId }: { orderId: string }) => ({ orderId }));
 * const worker = await app.startWorker({ concurrency: 16 });
 * console.log(await (await processOrder.invoke({ orderId: "o1" })).result());
 * await worker.stop();
 */
export class Nenc {
  readonly url: string;
  readonly appId: string;
  readonly trigger: TriggerClient;
  readonly functions = new FunctionRegistry();
  private readonly tasks = new Map<string, Task<never, unknown>>();
  private lazyClients?: NencClients;
  private readonly workers = new Set<Worker>();
  private readonly keepalive: KeepaliveOptions;
  private readonly token: string | undefined;

  constructor(options: NencOptions = {}) {
    this.keepalive = options.keepalive ?? {};
    this.token = options.token ?? (process.env.NENC_TOKEN || undefined);
    this.url = options.url ?? process.env.NENC_URL ?? "http://127.0.0.1:7070";
    this.appId = options.appId ?? process.env.NENC_APP_ID ?? "default";
    this.trigger = new TriggerClient(this);
    // OpenTelemetry, if the application has it: loaded now, so that invokes find it loaded.
    void otelApi();
  }

  /** @internal The typed RPC clients (one HTTP/2 connection, opened on first use). */
  get clients(): NencClients {
    this.lazyClients ??= createClients(this.url, this.keepalive, this.token);
    return this.lazyClients;
  }

  /**
   * Declares a task. Its triggers are checked now (a bad cron or an anonymous
   * function throws here) and registered when a worker starts.
   *
   * @example
   * app.task("notify_high_priority", async () => "notified", {
   *   triggers: new TriggerBuilder().onSuccess(processOrder, { callArguments: { priority: "high" } }),
   *   retry: { maxRetries: 3, retryOn: [TypeError] },
   *   timeoutMs: 30_000,
   * });
   */
  task<A extends object = JsonObject, R = unknown>(
    name: string,
    fn: TaskFunction<A, R>,
    options: TaskOptions = {},
  ): Task<A, R> {
    if (typeof name !== "string" || name.trim() === "")
      throw new TypeError("task: the name must be a non-empty string");
    if (typeof fn !== "function") throw new TypeError(`task ${name}: expects a function`);
    if (this.tasks.has(name)) throw new TypeError(`task ${name} is declared twice in app "${this.appId}"`);
    const builders =
      options.triggers === undefined
        ? []
        : Array.isArray(options.triggers)
          ? options.triggers
          : [options.triggers];
    const specs = (builders as TriggerBuilder[]).map((builder) => builder.build());
    for (const spec of specs) this.registerFunctions(spec, `task ${name}`);
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1))
      throw new TypeError(`task ${name}: timeoutMs must be a positive integer of milliseconds`);
    const task = new Task<A, R>(name, fn, options.retry, timeoutMs, specs, this);
    this.tasks.set(name, task as unknown as Task<never, unknown>);
    return task;
  }

  /**
   * Queues an invocation of a task of any app (or language), by name.
   *
   * @example
   * const inv = await app.invoke("process_order", { orderId: "o1" }, { idempotencyKey: "order-o1" });
   */
  async invoke<R = unknown>(
    taskId: string,
    args: JsonObject = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<Invocation<R>> {
    const response = await this.clients.session.invoke({
      taskId,
      arguments: jsonToValue(toJson(args, "the arguments")),
      idempotencyKey: options.idempotencyKey ?? "",
      traceparent: currentTraceparent(),
    });
    return new Invocation<R>(response.invocation!.id, taskId, this.clients);
  }

  /** A handle on an existing invocation, by id (e.g. one created by another process). */
  invocation<R = unknown>(invocationId: string, taskId = ""): Invocation<R> {
    return new Invocation<R>(invocationId, taskId, this.clients);
  }

  /** Invocations, newest first (one page of at most `limit`, default 100, max 1000). */
  async listInvocations(
    filter: { taskId?: string; status?: InvocationStatus; triggerId?: string; limit?: number } = {},
  ): Promise<InvocationInfo[]> {
    const response = await rpc(() =>
      this.clients.invocations.listInvocations({
        taskId: filter.taskId ?? "",
        status: filter.status ? StatusEnum[filter.status] : StatusEnum.INVOCATION_STATUS_UNSPECIFIED,
        triggerId: filter.triggerId ?? "",
        pageSize: filter.limit ?? 100,
      }),
    );
    return response.invocations.map(invocationInfo);
  }

  /** Registers the app's tasks and declared triggers (replacing those it declared before). */
  async register(): Promise<string[]> {
    const tasks = [...this.tasks.values()];
    const response = await rpc(() =>
      this.clients.apps.registerApp({
        appId: this.appId,
        tasks: tasks.map((task) => ({
          id: task.name,
          ...(task.retry ? { retry: retryToProto(task.retry) } : {}),
          ...(task.timeoutMs === undefined ? {} : { timeoutMs: BigInt(task.timeoutMs) }),
        })),
        triggers: tasks.flatMap((task) =>
          task.triggers.map((spec) => triggerToProto(spec, task.name, this.appId)),
        ),
      }),
    );
    return response.triggerIds;
  }

  /**
   * Registers the app (its tasks and declared triggers), then connects a worker that
   * runs its tasks and evaluates its filter and provider functions.
   *
   * @example
   * const worker = await app.startWorker({ concurrency: 16 });
   * process.on("SIGTERM", () => void worker.stop());
   */
  async startWorker(options: WorkerOptions = {}): Promise<WorkerHandle> {
    const concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new TypeError("startWorker: concurrency must be an integer ≥ 1");
    const prefetch =
      options.prefetch ?? Math.min(Math.max(4 * concurrency, DEFAULT_PREFETCH.min), DEFAULT_PREFETCH.max);
    if (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 1000)
      throw new TypeError("startWorker: prefetch must be an integer from 0 to 1000 (0: none)");
    await this.register();
    const worker = new Worker(this, this.tasks, {
      concurrency,
      prefetch,
      drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
    });
    await worker.start();
    this.workers.add(worker);
    return {
      id: worker.id,
      get state() {
        return worker.state;
      },
      stop: async () => {
        await worker.stop();
        this.workers.delete(worker);
      },
    };
  }

  /** Stops this app's workers and closes the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    this.workers.clear();
    this.lazyClients?.close();
    this.lazyClients = undefined;
  }

  /** @internal Adds a trigger's functions to the app (workers announce new ones). */
  registerFunctions(spec: TriggerSpec, where: string): void {
    for (const condition of spec.conditions) {
      for (const filter of [
        "callArguments" in condition ? condition.callArguments : undefined,
        "filterResult" in condition ? condition.filterResult : undefined,
        "payloadFilter" in condition ? condition.payloadFilter : undefined,
      ]) {
        if (filter?.kind === "function") this.functions.register(filter.fn, where);
      }
    }
    for (const provider of spec.providers)
      if (provider.kind === "function") this.functions.register(provider.fn, where);
  }
}

function retryToProto(retry: RetryOptions) {
  return {
    maxRetries: retry.maxRetries,
    ...(retry.initialBackoffMs === undefined ? {} : { initialBackoffMs: BigInt(retry.initialBackoffMs) }),
    ...(retry.backoffMultiplier === undefined ? {} : { backoffMultiplier: retry.backoffMultiplier }),
    ...(retry.maxBackoffMs === undefined ? {} : { maxBackoffMs: BigInt(retry.maxBackoffMs) }),
    retryOn: (retry.retryOn ?? []).map((type) => (typeof type === "string" ? type : type.name)),
  };
}
