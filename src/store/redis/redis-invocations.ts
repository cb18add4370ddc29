import type { Assignment, AttemptRecord, Invocation, NewInvocation } from "../../domain/invocation.js";
import type { JsonObject } from "../../domain/json.js";
import { type ActivityBucket, activityBuckets } from "../activity.js";
import { decodePageToken, encodePageToken, ITEM_OVERHEAD_BYTES, PageBudget } from "../paging.js";
import type {
  AttemptOutcome,
  Created,
  FinishOptions,
  FireResult,
  Firing,
  HeldAssignment,
  InvocationQuery,
  LiveWorker,
  Page,
  StatusWatch,
  WorkerProfile,
  WorkerRef,
  WorkStore,
} from "../store.js";
import { Batcher } from "./batcher.js";
import { decodeInvocation, parseAssignmentId } from "./codec.js";
import { pipelined, type RedisContext } from "./context.js";
import { creationArgs, firstAssignment } from "./creation.js";

/** A Redis invocation page token's position: the sequence number of the last item listed. */
const SEQ = /^(\d{1,15})$/;
/** Ids a listing sizes per round trip: small, so that a page reads little past its end. */
const LIST_BATCH = 50;
/** Creations or results handled by one script call at most: a script runs alone in Redis, so keep it short. */
const SCRIPT_BATCH = 64;

/** One createInvocation call, waiting for its batch. */
interface CreationRequest {
  input: NewInvocation;
  idempotencyKey?: string;
  assignTo?: WorkerRef;
}

/** One finishAttempt call, waiting for its batch. */
interface FinishRequest {
  assignmentId: string;
  worker: WorkerRef;
  outcome: AttemptOutcome;
  now: number;
  options: FinishOptions;
}

/** What finishAttempt answers. */
interface FinishAnswer {
  applied: boolean;
  claimed: Assignment[];
}

/**
 * Invocations and work on Redis (the work role): creation (deduplicated by idempotency key or
 * firing identity), claims from the task streams, the lifecycle transitions,
 * worker leases and retries; each change one Lua script.
 */
export class RedisInvocations implements WorkStore {
  private readonly creations: Batcher<CreationRequest, Created>;
  private readonly finishes: Batcher<FinishRequest, FinishAnswer>;

  constructor(private readonly ctx: RedisContext) {
    this.creations = new Batcher((creations) => this.createAll(creations), SCRIPT_BATCH);
    this.finishes = new Batcher((results) => this.finishAll(results), SCRIPT_BATCH);
  }

  createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; assignTo?: WorkerRef } = {},
  ): Promise<Created> {
    return this.creations.add({ input, ...options });
  }

  /** The creations of one turn in one createInvocations-1.lua call (see Batcher). */
  private async createAll(creations: readonly CreationRequest[]): Promise<Created[]> {
    const args: Array<string | number> = [creations.length];
    for (const { input, idempotencyKey: key, assignTo } of creations) {
      args.push(
        ...creationArgs(this.ctx.watch, input, {
          ttlMs: key ? this.ctx.retention.markerRetentionMs : 0,
          idempotencyKey: key ?? "",
          triggerId: input.provenance?.triggerId ?? "",
          eventIds: [],
          assignTo,
        }),
      );
    }
    const reply = (await this.ctx.run("createInvocations", [this.ctx.keys.invocations], args)) as Array<
      [number, string, string?]
    >;
    return Promise.all(
      creations.map(async ({ input, assignTo }, i) => {
        const [created, id, assignmentId] = reply[i] as [number, string, string?];
        if (created !== 1)
          return { invocation: (await this.getInvocation(id)) as Invocation, created: false };
        return { created: true, ...createdInvocation(input, assignmentId, assignTo) };
      }),
    );
  }

  async fire(firing: Firing, assignTo?: WorkerRef): Promise<FireResult> {
    const input = firing.invocation;
    const [verdict, id, assignmentIdOrKept] = (await this.ctx.run(
      "fireTrigger",
      [
        this.ctx.keys.invocation(input.id),
        this.ctx.keys.key("fired", firing.firingKey),
        this.ctx.keys.invocations,
        this.ctx.keys.triggers,
        this.ctx.keys.paused,
      ],
      creationArgs(this.ctx.watch, input, {
        ttlMs: this.ctx.retention.markerRetentionMs,
        idempotencyKey: "",
        triggerId: firing.triggerId,
        eventIds: firing.eventIds,
        assignTo,
      }),
    )) as [string, string?, (string | number)?];
    switch (verdict) {
      case "fired":
        return {
          outcome: "fired",
          ...createdInvocation(
            input,
            assignmentIdOrKept === undefined ? undefined : String(assignmentIdOrKept),
            assignTo,
          ),
        };
      case "deduplicated":
        return {
          outcome: "deduplicated",
          invocationId: id as string,
          invocationKept: assignmentIdOrKept === 1,
        };
      case "paused":
        return { outcome: "skipped", reason: "trigger paused" };
      default:
        return { outcome: "skipped", reason: "trigger deleted" };
    }
  }

  async getInvocation(invocationId: string): Promise<Invocation | undefined> {
    return decodeInvocation(await this.ctx.redis.hgetall(this.ctx.keys.invocation(invocationId)));
  }

  async attempts(invocationId: string): Promise<AttemptRecord[]> {
    const records = await this.ctx.redis.lrange(`${this.ctx.keys.invocation(invocationId)}:att`, 0, -1);
    return records.map((json) => JSON.parse(json) as AttemptRecord);
  }

  /**
   * Reads ids in small batches and, for each, only the fields that filter and size
   * it; whole records only for the items the page takes: memory stays within the
   * page's byte budget, whatever pageSize asks.
   */
  async listInvocations(query: InvocationQuery): Promise<Page<Invocation>> {
    const index = query.triggerId
      ? this.ctx.keys.invocationsOfTrigger(query.triggerId)
      : query.taskId
        ? this.ctx.keys.invocationsOfTask(query.taskId)
        : this.ctx.keys.invocations;
    const budget = new PageBudget(query.limit, query.maxBytes);
    const items: Invocation[] = [];
    let below = query.pageToken ? `(${decodePageToken(query.pageToken, "ri", SEQ)[1]}` : "+inf";
    while (true) {
      const batch = await this.ctx.redis.zrevrangebyscore(
        index,
        below,
        "-inf",
        "WITHSCORES",
        "LIMIT",
        0,
        LIST_BATCH,
      );
      if (batch.length === 0) return { items };
      const ids = batch.filter((_, i) => i % 2 === 0);
      const sizes = await Promise.all(ids.map((id) => this.listedSize(id, query)));
      const taken: string[] = [];
      let full = false;
      for (const [i, size] of sizes.entries()) {
        if (size === undefined) continue;
        if (!budget.admit(size)) {
          full = true;
          break;
        }
        taken.push(ids[i] as string);
        below = `(${batch[i * 2 + 1]}`;
      }
      const records = await Promise.all(taken.map((id) => this.getInvocation(id)));
      for (const record of records) if (record) items.push(record);
      if (full) return { items, nextPageToken: encodePageToken("ri", below.slice(1)) };
      below = `(${batch[batch.length - 1]}`;
    }
  }

  /** The size a page counts for the invocation, or undefined when it does not match the query (or is gone). */
  private async listedSize(invocationId: string, query: InvocationQuery): Promise<number | undefined> {
    const key = this.ctx.keys.invocation(invocationId);
    const [[id, status, task], ...lengths] = await Promise.all([
      this.ctx.redis.hmget(key, "id", "status", "task"),
      ...["args", "result", "error", "prov"].map((field) => this.ctx.redis.hstrlen(key, field)),
    ]);
    if (!id) return undefined;
    if (query.status && status !== query.status) return undefined;
    if (query.taskId && task !== query.taskId) return undefined;
    return ITEM_OVERHEAD_BYTES + (lengths as number[]).reduce((sum, length) => sum + length, 0);
  }

  async claimWork(
    worker: WorkerRef,
    taskIds: readonly string[],
    max: number,
    now: number,
  ): Promise<Assignment[]> {
    const flat = (await this.ctx.run(
      "claimWork",
      [this.ctx.keys.queues],
      [worker.workerId, worker.sessionId, max, now, ...claimArgs(taskIds, this.ctx.watch)],
    )) as string[];
    return decodeAssignments(flat);
  }

  async getAssignment(assignmentId: string, workerId: string): Promise<HeldAssignment | undefined> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return undefined;
    const invocation = await this.getInvocation(parsed.invocationId);
    const held = invocation?.assignment;
    if (!invocation || held?.assignmentId !== assignmentId || held.workerId !== workerId) return undefined;
    return {
      assignmentId,
      invocationId: invocation.id,
      taskId: invocation.taskId,
      arguments: invocation.arguments,
      attempt: invocation.attempt,
      createdAt: invocation.createdAt,
      ...(invocation.traceparent ? { traceparent: invocation.traceparent } : {}),
      assignedAt: held.assignedAt,
      started: invocation.status === "RUNNING",
    };
  }

  async markStarted(assignmentId: string, workerId: string, now: number): Promise<boolean> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return false;
    const applied = await this.ctx.run(
      "markStarted",
      [this.ctx.keys.invocation(parsed.invocationId)],
      [assignmentId, now, this.ctx.watch.watches(parsed.taskId, "RUNNING") ? "1" : "0", workerId],
    );
    return applied === 1;
  }

  finishAttempt(
    assignmentId: string,
    worker: WorkerRef,
    outcome: AttemptOutcome,
    now: number,
    options: FinishOptions = {},
  ): Promise<{ applied: boolean; claimed: Assignment[] }> {
    if (!parseAssignmentId(assignmentId)) return Promise.resolve({ applied: false, claimed: [] });
    return this.finishes.add({ assignmentId, worker, outcome, now, options });
  }

  /** The results of one turn in one finishAttempts-2.lua call (see Batcher). */
  private async finishAll(results: readonly FinishRequest[]): Promise<FinishAnswer[]> {
    const args: Array<string | number> = [
      this.ctx.retention.maxFinishedInvocations,
      this.ctx.handOut.consumer,
      results.length,
    ];
    for (const result of results) args.push(...this.finishArgs(result));
    const reply = (await this.ctx.run(
      "finishAttempts",
      [this.ctx.keys.finished, this.ctx.keys.delayed],
      args,
    )) as [...Array<[number, string[]]>, Array<[string, string[]]>];
    this.ctx.handOut.accept(reply[results.length] as Array<[string, string[]]>);
    return results.map((_, i) => {
      const [applied, claimed] = reply[i] as [number, string[]];
      return { applied: applied === 1, claimed: decodeAssignments(claimed) };
    });
  }

  /** One result's 13 values, as finishAttempts-2.lua reads them. */
  private finishArgs({ assignmentId, worker, outcome, now, options }: FinishRequest): Array<string | number> {
    const { taskId } = parseAssignmentId(assignmentId) as { taskId: string };
    const { watch } = this.ctx;
    const taskIds = options.refill?.taskIds ?? [];
    return [
      assignmentId,
      outcome.status,
      outcome.status === "SUCCESS" ? JSON.stringify(outcome.result) : JSON.stringify(outcome.error),
      outcome.status === "RETRY" ? outcome.retryAt : 0,
      now,
      watch.watches(taskId, outcome.status) ? "1" : "0",
      worker.workerId,
      options.refill?.max ?? 0,
      options.startedAt ?? "",
      watch.watches(taskId, "RUNNING") ? "1" : "0",
      worker.sessionId,
      taskIds.join(","),
      taskIds.map((task) => (watch.watches(task, "PENDING") ? "1" : "0")).join(","),
    ];
  }

  async connectWorker(
    worker: WorkerRef,
    held: readonly string[],
    until: number,
    now: number,
    profile?: WorkerProfile,
  ): Promise<Invocation[]> {
    const ids = (await this.ctx.run("connectWorker", this.workerKeys(worker.workerId), [
      worker.workerId,
      worker.sessionId,
      until,
      now,
      profile ? JSON.stringify(profile) : "",
      ...held,
    ])) as string[];
    return this.invocationsById(ids);
  }

  async liveWorkers(now: number): Promise<LiveWorker[]> {
    const { redis, keys } = this.ctx;
    const [profiles, leases] = await Promise.all([
      redis.hgetall(keys.workerProfiles),
      redis.zrangebyscore(keys.workers, `(${now}`, "+inf", "WITHSCORES"),
    ]);
    const live: Array<Omit<LiveWorker, "held">> = [];
    for (let i = 0; i < leases.length; i += 2) {
      const workerId = leases[i] as string;
      const profile = parseProfile(profiles[workerId]);
      if (profile) live.push({ ...profile, workerId, leaseUntil: Number(leases[i + 1]) });
    }
    const held = await pipelined(redis, (pipeline) => {
      for (const worker of live) pipeline.scard(keys.worker(worker.workerId));
    });
    return live.map((worker, i) => ({ ...worker, held: Number(held[i] ?? 0) }));
  }

  async activity(since: number, until: number): Promise<ActivityBucket[]> {
    const starts = activityBuckets(since, until);
    const counts = (await pipelined(this.ctx.redis, (pipeline) => {
      for (const start of starts) pipeline.hmget(this.ctx.keys.activity(start), "s", "f");
    })) as Array<Array<string | null>>;
    return starts.map((start, i) => ({
      start,
      succeeded: Number(counts[i]?.[0] ?? 0),
      failed: Number(counts[i]?.[1] ?? 0),
    }));
  }

  async queueDepths(): Promise<Map<string, number>> {
    const { redis, keys } = this.ctx;
    const taskIds = await redis.smembers(keys.queues);
    const lengths = await pipelined(redis, (pipeline) => {
      for (const taskId of taskIds) pipeline.xlen(keys.queue(taskId));
    });
    return new Map(taskIds.map((taskId, i) => [taskId, Number(lengths[i] ?? 0)]));
  }

  async releaseWorker(
    worker: WorkerRef,
    now: number,
    only?: readonly string[],
    waiting: readonly string[] = [],
  ): Promise<Invocation[]> {
    const ids = (await this.ctx.run("releaseWorker", this.workerKeys(worker.workerId), [
      worker.workerId,
      worker.sessionId,
      now,
      only ? "1" : "0",
      waiting.length,
      ...waiting,
      ...(only ?? []),
    ])) as string[];
    return this.invocationsById(ids);
  }

  async renewWorkerLease(worker: WorkerRef, until: number): Promise<boolean> {
    const renewed = await this.ctx.run(
      "renewWorkerLease",
      [this.ctx.keys.workers, this.ctx.keys.sessions],
      [worker.workerId, worker.sessionId, until],
    );
    return renewed === 1;
  }

  async releaseExpiredWorkers(now: number): Promise<Invocation[]> {
    const ids = (await this.ctx.run(
      "releaseExpiredWorkers",
      [this.ctx.keys.workers, this.ctx.keys.sessions],
      [now],
    )) as string[];
    return this.invocationsById(ids);
  }

  /** worker:<id>, workers, sessions: the keys of the scripts that change a worker's connection. */
  private workerKeys(workerId: string): string[] {
    return [this.ctx.keys.worker(workerId), this.ctx.keys.workers, this.ctx.keys.sessions];
  }

  async announceDueRetries(now: number): Promise<void> {
    await this.ctx.run("announceDueRetries", [this.ctx.keys.delayed], [now]);
  }

  private async invocationsById(ids: readonly string[]): Promise<Invocation[]> {
    const records = await Promise.all(ids.map((id) => this.getInvocation(id)));
    return records.filter((invocation): invocation is Invocation => invocation !== undefined);
  }
}

/** The invocation a creation script made, as it is now: queued, or assigned to `assignTo`. */
function createdInvocation(
  input: NewInvocation,
  assignmentId: string | undefined,
  assignTo: WorkerRef | undefined,
): { invocation: Invocation; assignment?: Assignment } {
  const registered: Invocation = {
    ...input,
    status: "REGISTERED",
    attempt: 1,
    version: 1,
    updatedAt: input.createdAt,
  };
  if (!assignmentId || !assignTo) return { invocation: registered };
  return {
    invocation: {
      ...registered,
      status: "PENDING",
      version: 2,
      assignment: { assignmentId, workerId: assignTo.workerId, assignedAt: input.createdAt },
    },
    assignment: firstAssignment(input, assignmentId),
  };
}

/** "n, task ids..., PENDING-watched flags..." as the claim scripts read them. */
function claimArgs(taskIds: readonly string[], watch: StatusWatch): Array<string | number> {
  return [
    taskIds.length,
    ...taskIds,
    ...taskIds.map((taskId) => (watch.watches(taskId, "PENDING") ? "1" : "0")),
  ];
}

/** The flat list the claim scripts return, eight values per assignment. */
function decodeAssignments(flat: readonly string[]): Assignment[] {
  const assignments: Assignment[] = [];
  for (let i = 0; i < flat.length; i += 8) {
    const lost = Number(flat[i + 5]);
    const traceparent = flat[i + 7];
    assignments.push({
      assignmentId: flat[i] as string,
      invocationId: flat[i + 1] as string,
      taskId: flat[i + 2] as string,
      arguments: JSON.parse(flat[i + 3] as string) as JsonObject,
      attempt: Number(flat[i + 4]),
      createdAt: Number(flat[i + 6]),
      ...(lost > 0 ? { lost } : {}),
      ...(traceparent ? { traceparent } : {}),
    });
  }
  return assignments;
}

/** A worker profile as connectWorker stored it; undefined for none (or one that does not parse). */
function parseProfile(stored: string | undefined): WorkerProfile | undefined {
  if (!stored) return undefined;
  try {
    const profile = JSON.parse(stored) as WorkerProfile;
    return Array.isArray(profile.taskIds) ? profile : undefined;
  } catch {
    return undefined;
  }
}
