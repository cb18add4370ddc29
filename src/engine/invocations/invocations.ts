import { NencError, quote } from "../../domain/errors.js";
import {
  type AttemptRecord,
  type Invocation,
  type InvocationStatus,
  isFinalStatus,
} from "../../domain/invocation.js";
import { jsonEqual } from "../../domain/json.js";
import { getOrCreate } from "../../domain/maps.js";
import type { Traceparent } from "../../domain/trace.js";
import { ACTIVITY_KEPT_MS, type ActivityBucket } from "../../store/activity.js";
import type { InvocationQuery, Page, Store } from "../../store/store.js";
import type { Admission } from "../admission.js";
import type { Clock } from "../clock.js";
import { newId } from "../ids.js";
import type { TaskRegistry } from "../registry/task-registry.js";
import type { EngineTracing } from "../tracing.js";
import { requireJsonObject, requireName } from "../validate.js";
import type { Dispatcher } from "./dispatcher.js";

/** What {@link Invocations} needs: one dependencies object. */
export interface InvocationsDeps {
  store: Pick<Store, "work" | "followStatusChanges" | "followFinalStatuses">;
  tasks: TaskRegistry;
  clock: Clock;
  dispatcher: Dispatcher;
  maxPayloadBytes: number;
  admission: Admission;
  /** The most bytes of invocations one page holds (it ends early, with a nextPageToken). */
  maxResponseBytes: number;
  tracing: EngineTracing;
}

/** The activity a dashboard asks for by default: ten minutes. */
const DEFAULT_ACTIVITY_WINDOW_MS = 10 * 60 * 1000;

/** How a task is invoked besides its arguments. */
export interface InvokeOptions {
  /** A repeated invoke of the task with the same key answers the first invocation. */
  idempotencyKey?: string;
  /** The caller's trace context (see EngineTracing.invoked). */
  traceparent?: Traceparent;
}

/**
 * Invoking tasks and following invocations. Waiting is driven by the store's
 * invocation notices, never by polling.
 */
export class Invocations {
  private readonly waiters = new Map<string, Set<(status: InvocationStatus) => void>>();
  /** Streams following every change of an invocation (they need non-final notices). */
  private watchingChanges = 0;
  /**
   * The store read in flight per watched invocation, shared by every stream a
   * change woke: one read per change, not one per stream, and the same object
   * for all (the transport converts it once).
   */
  private readonly sharedReads = new Map<string, Promise<Invocation>>();

  constructor(private readonly deps: InvocationsDeps) {}

  /** How many invocations clients wait on here (awaitFinal, watches). */
  get awaitedCount(): number {
    return this.waiters.size;
  }

  /** Feeds status notices to the waiters. */
  onStatus(invocationId: string, status: InvocationStatus): void {
    // A read started before this change may miss it: the woken streams read anew.
    this.sharedReads.delete(invocationId);
    for (const wake of this.waiters.get(invocationId) ?? []) wake(status);
  }

  /** After notices may have been lost: tells every waiter the status its invocation has now. */
  async recheckWaiters(): Promise<void> {
    await Promise.all(
      [...this.waiters.keys()].map(async (invocationId) => {
        const invocation = await this.deps.store.work.getInvocation(invocationId);
        if (invocation) this.onStatus(invocationId, invocation.status);
      }),
    );
  }

  /** Final statuses per bucket over the last `windowMs` (0: ten minutes; at most what is kept), for every replica. */
  activity(windowMs: number): Promise<ActivityBucket[]> {
    const window = windowMs || DEFAULT_ACTIVITY_WINDOW_MS;
    if (!Number.isInteger(window) || window < 0 || window > ACTIVITY_KEPT_MS)
      throw NencError.invalid(
        "windowMs",
        `must be between 0 (ten minutes) and ${ACTIVITY_KEPT_MS} (an hour, what is kept)`,
      );
    const now = this.deps.clock.now();
    return this.deps.store.work.activity(now - window, now);
  }

  async invoke(
    taskId: string,
    args: unknown,
    { idempotencyKey, traceparent: caller }: InvokeOptions = {},
  ): Promise<{ invocation: Invocation; duplicate: boolean }> {
    this.deps.admission.require();
    requireName(taskId, "taskId", "task to invoke");
    const task = await this.deps.tasks.get(taskId);
    if (!task)
      throw NencError.notFound(
        "task",
        taskId,
        "start a worker of the app that declares it, or check the name",
      );
    const argumentsObject = requireJsonObject(args ?? {}, "arguments", this.deps.maxPayloadBytes);
    if (idempotencyKey !== undefined && idempotencyKey.length > 200) {
      throw NencError.invalid("idempotencyKey", "is longer than 200 characters");
    }
    const traceparent = this.deps.tracing.invoked(taskId, caller);
    const { invocation, created } = await this.deps.dispatcher.createAssigned(taskId, (assignTo) =>
      this.deps.store.work.createInvocation(
        {
          id: newId("inv"),
          taskId,
          appId: task.appId,
          arguments: argumentsObject,
          createdAt: this.deps.clock.now(),
          ...(traceparent ? { traceparent } : {}),
        },
        {
          ...(idempotencyKey ? { idempotencyKey: `${taskId}|${idempotencyKey}` } : {}),
          ...(assignTo ? { assignTo } : {}),
        },
      ),
    );
    if (!created && !jsonEqual(invocation.arguments, argumentsObject)) {
      throw new NencError(
        "ALREADY_EXISTS",
        `${quote(idempotencyKey ?? "")} was used by invocation ${invocation.id} with other arguments; use a new key for another call`,
        "idempotencyKey",
      );
    }
    return { invocation, duplicate: !created };
  }

  async get(invocationId: string): Promise<Invocation> {
    if (!invocationId) throw NencError.invalid("id", "is required: the invocation id");
    const invocation = await this.deps.store.work.getInvocation(invocationId);
    if (!invocation)
      throw NencError.notFound("invocation", invocationId, "it may be older than the retention limit");
    return invocation;
  }

  /** The ended attempts of an invocation, oldest first (NOT_FOUND when the invocation is not kept). */
  async attempts(invocationId: string): Promise<AttemptRecord[]> {
    await this.get(invocationId);
    return this.deps.store.work.attempts(invocationId);
  }

  list(query: InvocationQuery): Promise<Page<Invocation>> {
    if (query.limit < 0 || query.limit > 1000)
      throw NencError.invalid("pageSize", "must be between 0 (default 100) and 1000");
    // The page token is the store's: it validates its own.
    return this.deps.store.work.listInvocations({
      ...query,
      limit: query.limit || 100,
      maxBytes: this.deps.maxResponseBytes,
    });
  }

  /**
   * Calls `listener` once, with the invocation when it is final (at once if it is
   * already) or with NOT_FOUND; returns a function that cancels the wait.
   */
  onFinal(
    invocationId: string,
    listener: (outcome: { invocation: Invocation } | { error: NencError }) => void,
  ): () => void {
    let done = false;
    const finish = (outcome: { invocation: Invocation } | { error: NencError }) => {
      if (done) return;
      cancel();
      listener(outcome);
    };
    const check = async () => {
      const latest = await this.deps.store.work.getInvocation(invocationId);
      if (!latest)
        finish({
          error: NencError.notFound("invocation", invocationId, "it may be older than the retention limit"),
        });
      else if (isFinalStatus(latest.status)) finish({ invocation: latest });
    };
    const onStatus = (status: InvocationStatus) => {
      if (isFinalStatus(status)) void check();
    };
    const cancel = () => {
      done = true;
      this.removeWaiter(invocationId, onStatus);
    };
    // Subscribed first, then read: a change in between is not missed.
    void this.addWaiter(invocationId, onStatus).then(check, check);
    return cancel;
  }

  /** Resolves with the invocation once final, or as it is when `timeoutMs` passed or `signal` aborted. */
  async awaitFinal(invocationId: string, timeoutMs: number, signal?: AbortSignal): Promise<Invocation> {
    if (signal?.aborted) return this.get(invocationId);
    const final = await new Promise<Invocation | undefined>((resolve, reject) => {
      const stop = () => {
        cancelWait();
        cancelTimer();
        signal?.removeEventListener("abort", stop);
        resolve(undefined);
      };
      const cancelWait = this.onFinal(invocationId, (outcome) => {
        cancelTimer();
        signal?.removeEventListener("abort", stop);
        if ("error" in outcome) reject(outcome.error);
        else resolve(outcome.invocation);
      });
      const cancelTimer = this.deps.clock.schedule(timeoutMs, stop);
      signal?.addEventListener("abort", stop, { once: true });
    });
    return final ?? this.get(invocationId);
  }

  /**
   * Yields the invocation now and after each change, until it is final or `signal`
   * aborts. Streams watching the same invocation get the same objects: read-only.
   */
  async *watchChanges(invocationId: string, signal: AbortSignal): AsyncGenerator<Invocation> {
    if (this.watchingChanges++ === 0) await this.deps.store.followStatusChanges(true);
    try {
      yield* this.changesOf(invocationId, signal);
    } finally {
      if (--this.watchingChanges === 0) void this.deps.store.followStatusChanges(false).catch(() => {});
    }
  }

  private async *changesOf(invocationId: string, signal: AbortSignal): AsyncGenerator<Invocation> {
    const changes: InvocationStatus[] = [];
    let wake: (() => void) | undefined;
    const onStatus = (status: InvocationStatus) => {
      changes.push(status);
      wake?.();
    };
    const onAbort = () => wake?.();
    const following = this.addWaiter(invocationId, onStatus);
    signal.addEventListener("abort", onAbort);
    try {
      await following.catch(() => {}); // The read below fails too if the store does.
      let last = await this.sharedGet(invocationId);
      yield last;
      while (!isFinalStatus(last.status) && !signal.aborted) {
        if (changes.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        changes.length = 0;
        const next = await this.sharedGet(invocationId);
        if (next.version !== last.version) yield next;
        last = next;
      }
    } finally {
      this.removeWaiter(invocationId, onStatus);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** As get, joining a read of the invocation already in flight since its last change. */
  private sharedGet(invocationId: string): Promise<Invocation> {
    const inFlight = this.sharedReads.get(invocationId);
    if (inFlight) return inFlight;
    const read = this.get(invocationId).finally(() => {
      if (this.sharedReads.get(invocationId) === read) this.sharedReads.delete(invocationId);
    });
    this.sharedReads.set(invocationId, read);
    return read;
  }

  /** Resolves once final statuses are announced (see Store.followFinalStatuses): then read. */
  private addWaiter(invocationId: string, waiter: (status: InvocationStatus) => void): Promise<void> {
    getOrCreate(this.waiters, invocationId, () => new Set<(status: InvocationStatus) => void>()).add(waiter);
    return this.deps.store.followFinalStatuses(true);
  }

  private removeWaiter(invocationId: string, waiter: (status: InvocationStatus) => void): void {
    const set = this.waiters.get(invocationId);
    if (!set?.delete(waiter)) return;
    if (set.size === 0) this.waiters.delete(invocationId);
    void this.deps.store.followFinalStatuses(false);
  }
}
