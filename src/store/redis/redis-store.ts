import { Redis } from "ioredis";
import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import type { Assignment, Invocation, InvocationStatus, NewInvocation } from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import type { JsonObject } from "../../domain/json.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import { DEFAULT_RETENTION, type RetentionOptions } from "../retention.js";
import type {
  AppRegistration,
  AttemptOutcome,
  Created,
  CronAdvance,
  DeferredEvaluation,
  EventQuery,
  Firing,
  InvocationQuery,
  LoggedOccurrence,
  Page,
  StatusWatch,
  Store,
  StoreNotice,
  StoreStats,
} from "../store.js";
import { decodeEvent, decodeInvocation, decodeOccurrence, parseAssignmentId } from "./codec.js";
import { RedisKeys } from "./keys.js";
import { Scripts } from "./scripts.js";
import { StreamReader } from "./stream-reader.js";

export interface RedisStoreOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Key prefix (a hash tag): deployments sharing a Redis use different ones. Default "nenc". */
  prefix?: string;
  retention?: Partial<RetentionOptions>;
  /** An occurrence held this long by a consumer that did not acknowledge it is taken over. */
  reclaimAfterMs?: number;
}

const ENGINE_GROUP = "engine";

/**
 * The Redis store: streams with consumer groups for work queues, the occurrence
 * log and deferred evaluations; one Lua script per multi-key state change (see
 * scripts/ and keys.ts); pub/sub notices so every replica hears of every change.
 * Several orchestrator replicas share one Redis through it.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  private readonly keys: RedisKeys;
  private readonly retention: RetentionOptions;
  private readonly scripts = new Scripts();
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly occurrenceReader: StreamReader;
  private readonly deferredReader: StreamReader;
  private readonly listeners = new Set<(notice: StoreNotice) => void>();

  private constructor(options: RedisStoreOptions) {
    this.keys = new RedisKeys(options.prefix ?? "nenc");
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    const connect = () => new Redis(options.url, { maxRetriesPerRequest: null, enableAutoPipelining: true });
    this.redis = connect();
    this.subscriber = connect();
    const reclaimAfterMs = options.reclaimAfterMs ?? 30_000;
    this.occurrenceReader = new StreamReader(this.redis, connect(), ENGINE_GROUP, reclaimAfterMs);
    this.deferredReader = new StreamReader(this.redis, connect(), ENGINE_GROUP, reclaimAfterMs);
  }

  /** Connects, loads the scripts, creates the consumer groups and subscribes to notices. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.scripts.load(store.redis);
      await store.occurrenceReader.ensureGroup(store.keys.occurrences);
      await store.subscriber.subscribe(store.keys.notices);
      store.subscriber.on("message", (_channel: string, message: string) => store.onNotice(message));
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.occurrenceReader.close();
    this.deferredReader.close();
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private onNotice(message: string): void {
    const [type, id = "", status] = message.split("|");
    let notice: StoreNotice | undefined;
    if (type === "w") notice = { type: "work", taskId: id };
    else if (type === "i")
      notice = { type: "invocation", invocationId: id, status: status as InvocationStatus };
    else if (type === "t") notice = { type: "trigger", triggerId: id };
    else if (type === "a") notice = { type: "app", appId: id };
    if (notice) for (const listener of this.listeners) listener(notice);
  }

  private run(name: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.scripts.run(this.redis, name, keys, [this.keys.base, ...args]);
  }

  // ---- apps, tasks, triggers --------------------------------------------------------

  async registerApp(registration: AppRegistration): Promise<{ removedTriggerIds: string[] }> {
    const args: Array<string | number> = [registration.appId, registration.tasks.length];
    for (const task of registration.tasks) args.push(task.id, JSON.stringify(task));
    args.push(registration.triggers.length);
    for (const trigger of registration.triggers) args.push(trigger.id, JSON.stringify(trigger));
    const removed = (await this.run("registerApp", [this.keys.tasks, this.keys.triggers], args)) as string[];
    return { removedTriggerIds: removed };
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    const json = await this.redis.hget(this.keys.tasks, taskId);
    return json ? (JSON.parse(json) as Task) : undefined;
  }

  async listTasks(): Promise<Task[]> {
    return Object.values(await this.redis.hgetall(this.keys.tasks)).map((json) => JSON.parse(json) as Task);
  }

  async createTrigger(trigger: Trigger): Promise<{ trigger: Trigger; created: boolean }> {
    const created =
      (await this.run("createTrigger", [this.keys.triggers], [trigger.id, JSON.stringify(trigger)])) === 1;
    if (created) return { trigger, created };
    return { trigger: (await this.getTrigger(trigger.id)) ?? trigger, created };
  }

  async getTrigger(triggerId: string): Promise<Trigger | undefined> {
    const [json, paused] = await Promise.all([
      this.redis.hget(this.keys.triggers, triggerId),
      this.redis.hget(this.keys.key("paused"), triggerId),
    ]);
    return json ? { ...(JSON.parse(json) as Trigger), paused: paused === "1" } : undefined;
  }

  async listTriggers(): Promise<Trigger[]> {
    const [all, paused] = await Promise.all([
      this.redis.hgetall(this.keys.triggers),
      this.redis.hgetall(this.keys.key("paused")),
    ]);
    return Object.entries(all).map(([id, json]) => ({
      ...(JSON.parse(json) as Trigger),
      paused: paused[id] === "1",
    }));
  }

  async setTriggerPaused(triggerId: string, paused: boolean): Promise<Trigger | undefined> {
    const json = (await this.run(
      "setTriggerPaused",
      [this.keys.triggers, this.keys.key("paused")],
      [triggerId, paused ? "1" : "0"],
    )) as string | null;
    return json ? { ...(JSON.parse(json) as Trigger), paused } : undefined;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    const trigger = await this.getTrigger(triggerId);
    if (!trigger) return false;
    const app = trigger.origin === "declared" ? trigger.appId : "";
    return (await this.run("deleteTrigger", [this.keys.triggers], [triggerId, app])) === 1;
  }

  // ---- invocations and work ---------------------------------------------------------

  async createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: string },
  ): Promise<Created> {
    const key = options.idempotencyKey;
    const dedupe = key ? { key: this.keys.key("invkey", key), idempotencyKey: key } : undefined;
    return this.insert(input, options.watch, dedupe, [], options.assignTo);
  }

  async fire(firing: Firing, watch: StatusWatch, assignTo?: string): Promise<Created> {
    const dedupe = { key: this.keys.key("fired", firing.firingKey), idempotencyKey: "" };
    return this.insert(firing.invocation, watch, dedupe, firing.eventIds, assignTo);
  }

  private async insert(
    input: NewInvocation,
    watch: StatusWatch,
    dedupe: { key: string; idempotencyKey: string } | undefined,
    eventIds: readonly string[],
    assignTo: string | undefined,
  ): Promise<Created> {
    const [created, id, assignmentId] = (await this.run(
      "createInvocation",
      [
        this.keys.invocation(input.id),
        dedupe?.key ?? this.keys.invocation(input.id),
        this.keys.invocations,
        this.keys.active,
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
        dedupe ? this.retention.markerRetentionMs : 0,
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
    return decodeInvocation(await this.redis.hgetall(this.keys.invocation(invocationId)));
  }

  async listInvocations(query: InvocationQuery): Promise<Page<Invocation>> {
    const index = query.triggerId
      ? this.keys.invocationsOfTrigger(query.triggerId)
      : query.taskId
        ? this.keys.invocationsOfTask(query.taskId)
        : this.keys.invocations;
    const items: Invocation[] = [];
    let lastScore = "";
    let below = query.pageToken ? `(${query.pageToken}` : "+inf";
    while (true) {
      const batch = await this.redis.zrevrangebyscore(
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
    const watched = taskIds.map((taskId) => (watch.watches(taskId, "PENDING") ? "1" : "0"));
    const flat = (await this.run(
      "claimWork",
      [this.keys.worker(workerId), this.keys.key("queues")],
      [workerId, max, now, taskIds.length, ...taskIds, ...watched],
    )) as string[];
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

  async markStarted(assignmentId: string, now: number, watch: StatusWatch): Promise<Invocation | undefined> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return undefined;
    const applied = await this.run(
      "markStarted",
      [this.keys.invocation(parsed.invocationId)],
      [assignmentId, now, watch.watches(parsed.taskId, "RUNNING") ? "1" : "0"],
    );
    return applied === 1 ? this.getInvocation(parsed.invocationId) : undefined;
  }

  async finishAttempt(
    assignmentId: string,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
  ): Promise<Invocation | undefined> {
    const parsed = parseAssignmentId(assignmentId);
    if (!parsed) return undefined;
    const payload =
      outcome.status === "SUCCESS" ? JSON.stringify(outcome.result) : JSON.stringify(outcome.error);
    const applied = await this.run(
      "finishAttempt",
      [this.keys.invocation(parsed.invocationId), this.keys.finished, this.keys.active, this.keys.delayed],
      [
        assignmentId,
        outcome.status,
        payload,
        outcome.status === "RETRY" ? outcome.retryAt : 0,
        now,
        watch.watches(parsed.taskId, outcome.status) ? "1" : "0",
        this.retention.maxFinishedInvocations,
      ],
    );
    return applied === 1 ? this.getInvocation(parsed.invocationId) : undefined;
  }

  async releaseWorker(
    workerId: string,
    now: number,
    _watch: StatusWatch,
    only?: readonly string[],
  ): Promise<Invocation[]> {
    const ids = (await this.run(
      "releaseWorker",
      [this.keys.worker(workerId), this.keys.workers],
      [workerId, now, only ? "1" : "0", ...(only ?? [])],
    )) as string[];
    return this.invocationsById(ids);
  }

  async renewWorkerLease(workerId: string, until: number): Promise<void> {
    await this.redis.zadd(this.keys.workers, until, workerId);
  }

  async releaseExpiredWorkers(now: number, _watch: StatusWatch): Promise<Invocation[]> {
    const ids = (await this.run("releaseExpiredWorkers", [this.keys.workers], [now])) as string[];
    return this.invocationsById(ids);
  }

  async announceDueRetries(now: number): Promise<void> {
    await this.run("announceDueRetries", [this.keys.delayed], [now]);
  }

  private async invocationsById(ids: readonly string[]): Promise<Invocation[]> {
    const records = await Promise.all(ids.map((id) => this.getInvocation(id)));
    return records.filter((invocation): invocation is Invocation => invocation !== undefined);
  }

  // ---- occurrences ------------------------------------------------------------------

  async readOccurrences(
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]> {
    const entries = await this.occurrenceReader.read(
      [this.keys.occurrences],
      consumerId,
      max,
      waitMs,
      signal,
    );
    return entries.map((entry) => ({ occurrence: decodeOccurrence(entry.fields), ref: entry.id }));
  }

  async ackOccurrences(refs: readonly string[]): Promise<void> {
    if (refs.length > 0) await this.occurrenceReader.ack(this.keys.occurrences, refs);
  }

  async appendOccurrences(occurrences: readonly Occurrence[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const occurrence of occurrences)
      pipeline.xadd(this.keys.occurrences, "*", "j", JSON.stringify(occurrence));
    await pipeline.exec();
  }

  async deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void> {
    await this.run("deferEvaluation", [this.keys.deferred(appId)], [triggerId, JSON.stringify(occurrence)]);
  }

  async readDeferred(
    appIds: readonly string[],
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]> {
    const streams = appIds.map((appId) => this.keys.deferred(appId));
    await Promise.all(streams.map((stream) => this.deferredReader.ensureGroup(stream)));
    const entries = await this.deferredReader.read(streams, consumerId, max, waitMs, signal);
    return entries.map((entry) => {
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < entry.fields.length; i += 2)
        fields.set(entry.fields[i] as string, entry.fields[i + 1] as string);
      return {
        ref: `${entry.stream}\u0000${entry.id}`,
        appId: appIds[streams.indexOf(entry.stream)] as string,
        triggerId: fields.get("trg") ?? "",
        occurrence: JSON.parse(fields.get("j") ?? "{}") as Occurrence,
      };
    });
  }

  async ackDeferred(items: readonly DeferredEvaluation[]): Promise<void> {
    for (const item of items) {
      const [stream, id] = item.ref.split("\u0000") as [string, string];
      await this.deferredReader.ack(stream, [id]);
    }
  }

  // ---- events -----------------------------------------------------------------------

  async appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const { invocationIds: _none, ...stored } = event;
    const key = event.idempotencyKey;
    const [created, id] = (await this.run(
      "appendEvent",
      [
        this.keys.event(event.id),
        key ? this.keys.key("evtkey", key) : this.keys.event(event.id),
        this.keys.events,
        this.keys.eventsOfCode(event.code),
      ],
      [
        event.id,
        event.code,
        JSON.stringify(stored),
        JSON.stringify(event.payload),
        event.emittedAt,
        event.emittedAt,
        key ? this.retention.eventRetentionMs : 0,
        key ?? "",
        this.retention.maxEvents,
        event.emittedAt - this.retention.eventRetentionMs,
      ],
    )) as [number, string];
    if (created === 1) return { event, duplicate: false };
    return { event: (await this.getEvent(id)) as StoredEvent, duplicate: true };
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const key = this.keys.event(eventId);
    const [json, invocationIds] = await Promise.all([
      this.redis.hget(key, "json"),
      this.redis.lrange(`${key}:invs`, 0, -1),
    ]);
    return json ? decodeEvent(json, invocationIds) : undefined;
  }

  async listEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const index = query.code ? this.keys.eventsOfCode(query.code) : this.keys.events;
    const until = query.until === undefined ? "+inf" : `(${query.until}`;
    let ids: string[];
    if (query.pageToken) {
      // The token is "<score>:<id>": the rest of that millisecond, then what follows it.
      const [score, last] = query.pageToken.split(":") as [string, string];
      const sameMs = (await this.redis.zrangebyscore(index, score, score)).filter((id) => id > last);
      const after = await this.redis.zrangebyscore(index, `(${score}`, until, "LIMIT", 0, query.limit + 1);
      ids = [...sameMs, ...after].slice(0, query.limit + 1);
    } else {
      ids = await this.redis.zrangebyscore(index, query.since ?? "-inf", until, "LIMIT", 0, query.limit + 1);
    }
    const events = (await Promise.all(ids.slice(0, query.limit).map((id) => this.getEvent(id)))).filter(
      (event): event is StoredEvent => event !== undefined,
    );
    const last = events.at(-1);
    return ids.length > query.limit && last
      ? { items: events, nextPageToken: `${last.emittedAt}:${last.id}` }
      : { items: events };
  }

  // ---- AND joins --------------------------------------------------------------------

  async updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxPartitions: number,
  ): Promise<{ step: JoinStep; replayed: boolean; evicted: JoinState[] }> {
    const markerKey = this.keys.joinMarker(triggerId, occurrenceId);
    while (true) {
      const [marker, stored] = await Promise.all([
        this.redis.get(markerKey),
        this.redis.hget(this.keys.join(triggerId), partition),
      ]);
      if (marker) return { step: JSON.parse(marker) as JoinStep, replayed: true, evicted: [] };
      const separator = stored?.indexOf("|") ?? -1;
      const version = stored ? Number(stored.slice(0, separator)) : 0;
      const state = stored ? (JSON.parse(stored.slice(separator + 1)) as JoinState) : { entries: [] };
      const result = step(state);
      const reply = (await this.run(
        "joinCommit",
        [this.keys.join(triggerId), this.keys.joinLru(triggerId), markerKey, this.keys.triggers],
        [
          triggerId,
          partition,
          version,
          result.state.entries.length > 0 ? JSON.stringify(result.state) : "",
          JSON.stringify(result),
          this.retention.markerRetentionMs,
          maxPartitions,
        ],
      )) as string[];
      const [verdict, ...rest] = reply;
      if (verdict === "conflict") continue; // Another replica changed the partition: step again on fresh state.
      if (verdict === "replayed")
        return { step: JSON.parse(rest[0] as string) as JoinStep, replayed: true, evicted: [] };
      if (verdict === "gone")
        return {
          step: { ...result, outcome: { kind: "waiting", missing: [] } },
          replayed: false,
          evicted: [],
        };
      return { step: result, replayed: false, evicted: rest.map((json) => JSON.parse(json) as JoinState) };
    }
  }

  async listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>> {
    const all = await this.redis.hgetall(this.keys.join(triggerId));
    return Object.entries(all).map(([partition, stored]) => ({
      partition,
      state: JSON.parse(stored.slice(stored.indexOf("|") + 1)) as JoinState,
    }));
  }

  // ---- cron -------------------------------------------------------------------------

  async getCronSlots(conditionKeys: readonly string[]): Promise<Map<string, number>> {
    const slots = new Map<string, number>();
    for (let start = 0; start < conditionKeys.length; start += 1000) {
      const chunk = conditionKeys.slice(start, start + 1000);
      const values = await this.redis.hmget(this.keys.cron, ...chunk);
      chunk.forEach((key, i) => {
        const value = values[i];
        if (value !== null && value !== undefined) slots.set(key, Number(value));
      });
    }
    return slots;
  }

  async advanceCron(advances: readonly CronAdvance[]): Promise<boolean[]> {
    const won: boolean[] = [];
    // Chunks keep each script short: Redis runs nothing else while a script runs.
    for (let start = 0; start < advances.length; start += 500) {
      const chunk = advances.slice(start, start + 500);
      const args: Array<string | number> = [chunk.length];
      for (const advance of chunk) {
        args.push(
          `${advance.triggerId}:${advance.conditionIndex}`,
          advance.expected === undefined ? "" : String(advance.expected),
          String(advance.next),
          JSON.stringify(advance.occurrences.map((occurrence) => JSON.stringify(occurrence))),
        );
      }
      const results = (await this.run("advanceCron", [this.keys.cron, this.keys.triggers], args)) as number[];
      won.push(...results.map((result) => result === 1));
    }
    return won;
  }

  // ---- introspection ----------------------------------------------------------------

  async stats(): Promise<StoreStats> {
    const [active, backlog, deferredStreams] = await Promise.all([
      this.redis.get(this.keys.active),
      this.redis.xlen(this.keys.occurrences),
      this.redis.smembers(this.keys.key("deferred")),
    ]);
    const deferred = await Promise.all(deferredStreams.map((stream) => this.redis.xlen(stream)));
    return {
      activeInvocations: Number(active ?? 0),
      occurrenceBacklog: backlog + deferred.reduce((a, b) => a + b, 0),
    };
  }

  // ---- explainability ---------------------------------------------------------------

  async recordEvaluations(evaluations: readonly Evaluation[]): Promise<void> {
    if (evaluations.length === 0) return;
    const args: Array<string | number> = [this.retention.evaluationsPerTrigger];
    for (const evaluation of evaluations) args.push(evaluation.triggerId, JSON.stringify(evaluation));
    await this.run("recordEvaluations", [this.keys.triggers], args);
  }

  async listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]> {
    const list = await this.redis.lrange(this.keys.evaluations(triggerId), 0, limit - 1);
    return list.map((json) => JSON.parse(json) as Evaluation);
  }
}
