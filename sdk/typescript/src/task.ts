import type { Invocation } from "./invocation.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { TriggerSpec } from "./trigger-builder.js";

/** How failed attempts are retried (exponential backoff). */
export interface RetryOptions {
  /** Attempts after the first; 0 = no retry. */
  maxRetries: number;
  /** Default 1000. */
  initialBackoffMs?: number;
  /** Default 2. */
  backoffMultiplier?: number;
  /** Default 60000. */
  maxBackoffMs?: number;
  /** Retry only these error class names (or classes); default any error. */
  retryOn?: ReadonlyArray<string | { name: string }>;
}

/**
 * What a running task knows of its attempt: the task function's second parameter.
 *
 * @example
 * app.task("fetch_page", async ({ url }: { url: string }, { signal }) => (await fetch(url, { signal })).text(), {
 *   timeoutMs: 10_000,
 * });
 */
export interface TaskContext {
  /**
   * Aborted when the orchestrator ended this attempt without the worker: its
   * `timeoutMs` passed (`signal.reason` is a DOMException named "TimeoutError"; the
   * attempt already failed with TimeoutError) or the work was taken back
   * ("AbortError"). Stop soon: the slot stays busy until the function returns.
   */
  signal: AbortSignal;
  /** The invocation this attempt belongs to. */
  invocationId: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/** A task's code: one named-arguments object in, a JSON value (or nothing) out. */
// biome-ignore lint/suspicious/noExplicitAny: task arguments are whatever object the function destructures.
export type TaskFunction<A = any, R = unknown> = (args: A, context: TaskContext) => R | Promise<R>;

/** Whatever can queue an invocation by task name (the app). */
export interface Invoker {
  invoke<R>(taskId: string, args: JsonObject, options: { idempotencyKey?: string }): Promise<Invocation<R>>;
}

/**
 * A task: a name (its id across languages) and a function of one named-arguments
 * object. Calling invoke() queues an invocation for a worker of the app.
 *
 * @example
 * const processOrder = app.task("process_order", async ({ orderId }: { orderId: string }) => ({ orderId }), {
 *   retry: { maxRetries: 3 },
 * });
 * const inv = await processOrder.invoke({ orderId: "o1" });
 */
export class Task<A = JsonObject, R = JsonValue> {
  constructor(
    readonly name: string,
    readonly fn: TaskFunction<A, R>,
    readonly retry: RetryOptions | undefined,
    /** An attempt not ended this long after delivery fails with TimeoutError; undefined: no limit. */
    readonly timeoutMs: number | undefined,
    /** The triggers declared on this task (it is their target). */
    readonly triggers: readonly TriggerSpec[],
    private readonly app: Invoker,
  ) {}

  /** The task's id: its name. */
  get id(): string {
    return this.name;
  }

  /**
   * Queues an invocation; resolves once it is stored. With an idempotency key, a
   * repeat of the same call answers the first invocation while it is kept.
   */
  invoke(args: A = {} as A, options: { idempotencyKey?: string } = {}): Promise<Invocation<Awaited<R>>> {
    return this.app.invoke<Awaited<R>>(this.name, args as JsonObject, options);
  }
}
