import type { Assignment, Invocation, NewInvocation } from "../../domain/invocation.js";
import type { JsonObject } from "../../domain/json.js";
import type {
  AttemptOutcome,
  Created,
  FinishOptions,
  Firing,
  InvocationQuery,
  Page,
  StatusWatch,
} from "../store.js";
import { decodeInvocation, parseAssignmentId } from "./codec.js";
import type { RedisContext } from "./context.js";

/**
 * Invocations and work on Redis: creation (deduplicated by idempotency key or
 * firing identity), claims from the task streams, the lifecycle transitions,
 * worker leases and retries; each change one Lua script.
 */
export class RedisInvocations {
  constructor(private readonly ctx: RedisContext) {}

  async createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: string },
  ): Promise<Created> {
    const key = options.idempotencyKey;
    const dedupe = key ? { key: this.ctx.keys.key("invkey", key), idempotencyKey: key } : undefined;
    return this.insert(input, options.watch, dedupe, [], options.assignTo);
  }

  async fire(firing: Firing, watch: StatusWatch, assignTo?: string): Promise<Created> {
    const dedupe = { key: this.ctx.keys.key("fired", firing.firingKey), idempotencyKey: "" };
    return this.insert(firing.invocation, watch, dedupe, firing.eventIds, assignTo);
  }

  private async insert(
    input: NewInvocation,
    watch: StatusWatch,
    dedupe: { key: string; idempotencyKey: string } | undefined,
    eventIds: readonly string[],
    assignTo: string | undefined,
  ): Promise<Created> {
    const [created, id, assignmentId] = (await this.ctx.run(
      "createInvocation",
      [
        this.ctx.keys.invocation(input.id),
        dedupe?.key ?? this.ctx.keys.invocation(input.id),
        this.ctx.keys.invocations,
        this.ctx.keys.active,
      ],
      [
        input.id,
        input.taskId,
        input.appId,
        JSON.stringify(input.arguments),
        input.provenance ? JSON.stringify(input.provenance) : "",
        input.provenance?.triggerId ?? "",
        input.createdAt,
        watch.watches(input.taskId, "REGISTERED") ? "1" : "0",
        dedupe ? this.ctx.retention.markerRetentionMs : 0,
        dedupe?.idempotencyKey ?? "",
        eventIds.join(","),
        assignTo ?? "",
        assignTo && watch.watches(input.taskId, "PENDING") ? "1" : "0",
      ],
    )) as [number, string, string?];
    if (created !== 1) return { invocation: (await this.getInvocation(id)) as Invocation, created: false };
    const registered: Invocation = {
      ...input,
      status: "REGISTERED",
      attempt: 1,
      version: 1,
      updatedAt: input.createdAt,
    };
    if (!assignmentId || !assignTo) return { invocation: registered, created: true };
    return {
      invocation: {
        ...registered,
        status: "PENDING",
        version: 2,
        assignment: { assignmentId, workerId: assignTo },
      },
      created: true,
      assignment: {
        assignmentId,
        invocationId: input.id,
        taskId: input.taskId,
        arguments: input.arguments,
        attempt: 1,
      },
    };
  }

  async getInvocation(invocationId: string): Promise<Invocation | undefined> {
    return decodeInvocation(await this.ctx.redis.hgetall(this.ctx.keys.invocation(invocationId)));
  }

  async listInvocations(query: InvocationQuery): Promise<Page<Invocation>> {
    const index = query.triggerId
      ? this.ctx.keys.invocationsOfTrigger(query.triggerId)
      : query.taskId
        ? this.ctx.keys.invocationsOfTask(query.taskId)
        : this.ctx.keys.invocations;
    const items: Invocation[] = [];
    let lastScore = "";
    let below = query.pageToken ? `(${query.pageToken}` : "+inf";
    while (true) {
      const batch = await this.ctx.redis.zrevrangebyscore(
        index,
        below,
        "-inf",
        "WITHSCORES",
        "LIMIT",
        0,
        Math.max(query.limit + 1, 100),
      );
      if (batch.length === 0) return { items };
      const ids = batch.filter((_, i) => i % 2 === 0);
      const records = await Promise.all(ids.map((id) => this.getInvocation(id)));
      for (const [i, invocation] of records.entries()) {
        if (!invocation) continue;
        if (query.status && invocation.status !== query.status) continue;
        if (query.taskId && invocation.taskId !== query.taskId) continue;
        if (items.length === query.limit) return { items, nextPageToken: lastScore };
        items.push(invocation);
        lastScore = batch[i * 2 + 1] as string;
      }
      below = `(${batch[batch.length - 1]}`;
    }
  }

  async claimWork(
    workerId: string,
    taskIds: readonly string[],
    max: number,
    now: number,
    watch: StatusWatch,
  ): Promise<Assignment[]> {
    const flat = (await this.ctx.run(
      "claimWork",
      [this.ctx.keys.queues],
      [workerId, max, now, ...claimArgs(taskIds, watch)],
    )) as string[];
    return decodeAssignments(flat);
  }

  async getAssignment(assignmentId: string): Promise<Assignment | undefined> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return undefined;
    const invocation = await this.getInvocation(parsed.invocationId);
    if (invocation?.assignment?.assignmentId !== assignmentId) return undefined;
    return {
      assignmentId,
      invocationId: invocation.id,
      taskId: invocation.taskId,
      arguments: invocation.arguments,
      attempt: invocation.attempt,
    };
  }

  async markStarted(assignmentId: string, now: number, watch: StatusWatch): Promise<boolean> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return false;
    const applied = await this.ctx.run(
      "markStarted",
      [this.ctx.keys.invocation(parsed.invocationId)],
      [assignmentId, now, watch.watches(parsed.taskId, "RUNNING") ? "1" : "0"],
    );
    return applied === 1;
  }

  async finishAttempt(
    assignmentId: string,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
    { refill, startedAt }: FinishOptions = {},
  ): Promise<{ applied: boolean; claimed: Assignment[] }> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return { applied: false, claimed: [] };
    const payload =
      outcome.status === "SUCCESS" ? JSON.stringify(outcome.result) : JSON.stringify(outcome.error);
    const [applied, claimed] = (await this.ctx.run(
      "finishAttempt",
      [
        this.ctx.keys.invocation(parsed.invocationId),
        this.ctx.keys.finished,
        this.ctx.keys.active,
        this.ctx.keys.delayed,
      ],
      [
        assignmentId,
        outcome.status,
        payload,
        outcome.status === "RETRY" ? outcome.retryAt : 0,
        now,
        watch.watches(parsed.taskId, outcome.status) ? "1" : "0",
        this.ctx.retention.maxFinishedInvocations,
        refill?.workerId ?? "",
        refill?.max ?? 0,
        startedAt ?? "",
        watch.watches(parsed.taskId, "RUNNING") ? "1" : "0",
        ...claimArgs(refill?.taskIds ?? [], watch),
      ],
    )) as [number, string[]];
    return { applied: applied === 1, claimed: decodeAssignments(claimed) };
  }

  async releaseWorker(
    workerId: string,
    now: number,
    _watch: StatusWatch,
    only?: readonly string[],
  ): Promise<Invocation[]> {
    const ids = (await this.ctx.run(
      "releaseWorker",
      [this.ctx.keys.worker(workerId), this.ctx.keys.workers],
      [workerId, now, only ? "1" : "0", ...(only ?? [])],
    )) as string[];
    return this.invocationsById(ids);
  }

  async renewWorkerLease(workerId: string, until: number): Promise<void> {
    await this.ctx.redis.zadd(this.ctx.keys.workers, until, workerId);
  }

  async releaseExpiredWorkers(now: number, _watch: StatusWatch): Promise<Invocation[]> {
    const ids = (await this.ctx.run("releaseExpiredWorkers", [this.ctx.keys.workers], [now])) as string[];
    return this.invocationsById(ids);
  }

  async announceDueRetries(now: number): Promise<void> {
    await this.ctx.run("announceDueRetries", [this.ctx.keys.delayed], [now]);
  }

  private async invocationsById(ids: readonly string[]): Promise<Invocation[]> {
    const records = await Promise.all(ids.map((id) => this.getInvocation(id)));
    return records.filter((invocation): invocation is Invocation => invocation !== undefined);
  }
}

/** "n, task ids..., PENDING-watched flags..." as the claim scripts read them. */
function claimArgs(taskIds: readonly string[], watch: StatusWatch): Array<string | number> {
  return [
    taskIds.length,
    ...taskIds,
    ...taskIds.map((taskId) => (watch.watches(taskId, "PENDING") ? "1" : "0")),
  ];
}

/** The flat list the claim scripts return, five values per assignment. */
function decodeAssignments(flat: readonly string[]): Assignment[] {
  const assignments: Assignment[] = [];
  for (let i = 0; i < flat.length; i += 5) {
    assignments.push({
      assignmentId: flat[i] as string,
      invocationId: flat[i + 1] as string,
      taskId: flat[i + 2] as string,
      arguments: JSON.parse(flat[i + 3] as string) as JsonObject,
      attempt: Number(flat[i + 4]),
    });
  }
  return assignments;
}
