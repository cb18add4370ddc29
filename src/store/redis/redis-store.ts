import { Redis } from "ioredis";
import type { Evaluation } from "../../domain/evaluation.js";
import type { StoredEvent } from "../../domain/event.js";
import type { InvocationStatus, NewInvocation } from "../../domain/invocation.js";
import type { JoinState, JoinStep } from "../../domain/join.js";
import type { Occurrence } from "../../domain/occurrence.js";
import type { Task } from "../../domain/task.js";
import type { Trigger } from "../../domain/trigger.js";
import { type RetentionOptions, resolveRetention } from "../retention.js";
import type {
  AppRegistration,
  AttemptOutcome,
  CronAdvance,
  DeferredEvaluation,
  EventQuery,
  FinishOptions,
  Firing,
  InvocationQuery,
  ReplicaAnnouncement,
  StatusWatch,
  Store,
  StoreNotice,
  StoreStats,
  WorkerRef,
} from "../store.js";
import { DEFAULT_RECLAIM_AFTER_MS } from "../store.js";
import type { RedisContext } from "./context.js";
import { RedisKeys } from "./keys.js";
import { RedisEvents } from "./redis-events.js";
import { RedisInvocations } from "./redis-invocations.js";
import { type MalformedEntry, RedisOccurrences } from "./redis-occurrences.js";
import { RedisReplicas } from "./redis-replicas.js";
import { RedisTriggerState } from "./redis-trigger-state.js";
import { Scripts } from "./scripts.js";

export type { MalformedEntry } from "./redis-occurrences.js";

export interface RedisStoreOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Key prefix (a hash tag): deployments sharing a Redis use different ones. Default "nenc". */
  prefix?: string;
  /**
   * Names the store's connections in CLIENT LIST: `<name>:commands`, `<name>:notices`,
   * `<name>:occurrences`, `<name>:deferred`. Default "nenc".
   */
  clientName?: string;
  /**
   * Hears connection errors (Redis unreachable: commands wait, ioredis reconnects).
   * Default: ignored. `nenc serve` logs them as warnings.
   */
  onConnectionError?: (connection: string, error: Error) => void;
  /**
   * Hears of a stream entry that could not be decoded (a corrupt entry, or one
   * something else wrote into the occurrence log or a deferred stream): the store
   * acknowledges and deletes it and goes on with the rest. Default: ignored.
   * `nenc serve` logs them as errors.
   */
  onMalformedEntry?: (entry: MalformedEntry) => void;
  retention?: Partial<RetentionOptions>;
  /**
   * An occurrence (or deferred evaluation) held this long by a consumer that did
   * not acknowledge it is handed out again. Default 30 s.
   */
  reclaimAfterMs?: number;
}

/**
 * The Redis store: streams with consumer groups for work queues, the occurrence
 * log and deferred evaluations; one Lua script per multi-key state change (see
 * scripts/ and keys.ts); pub/sub notices so every replica hears of every change.
 * Several orchestrator replicas share one Redis through it.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  readonly reclaimAfterMs: number;
  private readonly keys: RedisKeys;
  private readonly retention: RetentionOptions;
  private readonly scripts = new Scripts();
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  /** Requests sent to Redis by this replica (for StoreStats.requests). */
  private requestsSent = 0;
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  private readonly invocations: RedisInvocations;
  private readonly events: RedisEvents;
  private readonly triggerState: RedisTriggerState;
  private readonly occurrences: RedisOccurrences;
  private readonly replicas: RedisReplicas;

  private constructor(options: RedisStoreOptions) {
    this.keys = new RedisKeys(options.prefix ?? "nenc");
    this.reclaimAfterMs = options.reclaimAfterMs ?? DEFAULT_RECLAIM_AFTER_MS;
    this.retention = resolveRetention(options.retention);
    const clientName = options.clientName ?? "nenc";
    const onError = options.onConnectionError ?? (() => {});
    const connect = (role: string) => {
      const client = new Redis(options.url, {
        maxRetriesPerRequest: null,
        enableAutoPipelining: true,
        connectionName: `${clientName}:${role}`,
      });
      // Without a listener ioredis prints every failed reconnection attempt to stderr.
      client.on("error", (error: Error) => onError(role, error));
      return countRequests(client, () => {
        this.requestsSent++;
      });
    };
    this.redis = connect("commands");
    this.subscriber = connect("notices");
    const context: RedisContext = {
      redis: this.redis,
      keys: this.keys,
      retention: this.retention,
      run: (name, keys, args) => this.run(name, keys, args),
    };
    this.invocations = new RedisInvocations(context);
    this.events = new RedisEvents(context);
    this.triggerState = new RedisTriggerState(context);
    this.replicas = new RedisReplicas(context);
    this.occurrences = new RedisOccurrences(
      context,
      connect,
      this.reclaimAfterMs,
      options.onMalformedEntry ?? (() => {}),
    );
  }

  /** Connects, loads the scripts, creates the consumer groups and subscribes to notices. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.scripts.load(store.redis);
      await store.occurrences.ensureLog();
      await store.subscriber.subscribe(store.keys.notices);
      store.subscriber.on("message", (_channel: string, message: string) => store.onNotice(message));
      // Pub/sub keeps nothing for a disconnected subscriber: after a reconnection
      // (ioredis re-subscribes right after "ready"), listeners reload what notices
      // keep in step. Subscribing here too resolves once the subscription is in force.
      store.subscriber.on("ready", () => {
        store.subscriber.subscribe(store.keys.notices).then(
          () => store.deliver({ type: "resync" }),
          () => {}, // Disconnected again: the next "ready" tries again.
        );
      });
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

  async followStatusChanges(follow: boolean): Promise<void> {
    const channel = this.keys.key("notices:status");
    if (follow) await this.subscriber.subscribe(channel);
    else await this.subscriber.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.occurrences.close();
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private onNotice(message: string): void {
    const [type, id = "", last = ""] = message.split("|");
    let notice: StoreNotice | undefined;
    if (type === "w") notice = { type: "work", taskId: id };
    else if (type === "i")
      notice = { type: "invocation", invocationId: id, status: last as InvocationStatus };
    else if (type === "t") notice = { type: "trigger", triggerId: id, version: Number(last) };
    else if (type === "a") notice = { type: "app", appId: id, version: Number(last) };
    if (notice) this.deliver(notice);
  }

  private deliver(notice: StoreNotice): void {
    for (const listener of this.listeners) listener(notice);
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

  async registryVersion(): Promise<number> {
    return Number((await this.redis.get(this.keys.registry)) ?? 0);
  }

  openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string> {
    return this.replicas.openDataSet(awaitApps, awaitMs);
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
      this.redis.hget(this.keys.paused, triggerId),
    ]);
    return json ? { ...(JSON.parse(json) as Trigger), paused: paused === "1" } : undefined;
  }

  async listTriggers(): Promise<Trigger[]> {
    const [all, paused] = await Promise.all([
      this.redis.hgetall(this.keys.triggers),
      this.redis.hgetall(this.keys.paused),
    ]);
    return Object.entries(all).map(([id, json]) => ({
      ...(JSON.parse(json) as Trigger),
      paused: paused[id] === "1",
    }));
  }

  async setTriggerPaused(triggerId: string, paused: boolean): Promise<Trigger | undefined> {
    const json = (await this.run(
      "setTriggerPaused",
      [this.keys.triggers, this.keys.paused],
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

  // ---- invocations and work (redis-invocations.ts) -------------------------------

  createInvocation(
    input: NewInvocation,
    options: { idempotencyKey?: string; watch: StatusWatch; assignTo?: WorkerRef },
  ) {
    return this.invocations.createInvocation(input, options);
  }
  fire(firing: Firing, watch: StatusWatch, assignTo?: WorkerRef) {
    return this.invocations.fire(firing, watch, assignTo);
  }
  getInvocation(invocationId: string) {
    return this.invocations.getInvocation(invocationId);
  }
  listInvocations(query: InvocationQuery) {
    return this.invocations.listInvocations(query);
  }
  claimWork(worker: WorkerRef, taskIds: readonly string[], max: number, now: number, watch: StatusWatch) {
    return this.invocations.claimWork(worker, taskIds, max, now, watch);
  }
  getAssignment(assignmentId: string, workerId: string) {
    return this.invocations.getAssignment(assignmentId, workerId);
  }
  markStarted(assignmentId: string, workerId: string, now: number, watch: StatusWatch) {
    return this.invocations.markStarted(assignmentId, workerId, now, watch);
  }
  finishAttempt(
    assignmentId: string,
    worker: WorkerRef,
    outcome: AttemptOutcome,
    now: number,
    watch: StatusWatch,
    options?: FinishOptions,
  ) {
    return this.invocations.finishAttempt(assignmentId, worker, outcome, now, watch, options);
  }
  connectWorker(worker: WorkerRef, held: readonly string[], until: number, now: number, watch: StatusWatch) {
    return this.invocations.connectWorker(worker, held, until, now, watch);
  }
  releaseWorker(worker: WorkerRef, now: number, watch: StatusWatch, only?: readonly string[]) {
    return this.invocations.releaseWorker(worker, now, watch, only);
  }
  renewWorkerLease(worker: WorkerRef, until: number) {
    return this.invocations.renewWorkerLease(worker, until);
  }
  releaseExpiredWorkers(now: number, watch: StatusWatch) {
    return this.invocations.releaseExpiredWorkers(now, watch);
  }
  announceDueRetries(now: number) {
    return this.invocations.announceDueRetries(now);
  }

  // ---- occurrences and deferred evaluations (redis-occurrences.ts) -------------------

  readOccurrences(consumerId: string, max: number, waitMs: number, signal: AbortSignal) {
    return this.occurrences.read(consumerId, max, waitMs, signal);
  }
  ackOccurrences(refs: readonly string[]) {
    return this.occurrences.settle(this.keys.occurrences, [], refs);
  }
  settleOccurrences(evaluations: readonly Evaluation[], refs: readonly string[]) {
    return this.occurrences.settle(this.keys.occurrences, evaluations, refs);
  }
  keepOccurrences(consumerId: string, refs: readonly string[]) {
    return this.occurrences.keep(consumerId, refs);
  }
  appendOccurrences(occurrences: readonly Occurrence[]) {
    return this.occurrences.append(occurrences);
  }
  deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence) {
    return this.occurrences.defer(appId, triggerId, occurrence);
  }
  readDeferred(
    appIds: readonly string[],
    consumerId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ) {
    return this.occurrences.readDeferred(appIds, consumerId, max, waitMs, signal);
  }
  keepDeferred(consumerId: string, refs: readonly string[]) {
    return this.occurrences.keepDeferred(consumerId, refs);
  }
  settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]) {
    return this.occurrences.settleDeferred(item, evaluations);
  }
  forgetIdleConsumers(idleMs: number) {
    return this.occurrences.forgetIdleConsumers(idleMs);
  }

  // ---- events (redis-events.ts) -----------------------------------------------------

  appendEvent(event: StoredEvent) {
    return this.events.appendEvent(event);
  }
  getEvent(eventId: string) {
    return this.events.getEvent(eventId);
  }
  listEvents(query: EventQuery) {
    return this.events.listEvents(query);
  }

  // ---- AND joins and cron (redis-trigger-state.ts) ---------------------------------

  updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ) {
    return this.triggerState.updateJoin(triggerId, partition, occurrenceId, step, maxEntries);
  }
  listJoinStates(triggerId: string) {
    return this.triggerState.listJoinStates(triggerId);
  }
  getCronSlots(conditionKeys: readonly string[]) {
    return this.triggerState.getCronSlots(conditionKeys);
  }
  advanceCron(advances: readonly CronAdvance[]) {
    return this.triggerState.advanceCron(advances);
  }

  // ---- replicas (redis-replicas.ts) ---------------------------------------------------

  announceReplica(announcement: ReplicaAnnouncement, liveSince: number) {
    return this.replicas.announce(announcement, liveSince);
  }
  retireReplica(replicaId: string) {
    return this.replicas.retire(replicaId);
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
      requests: this.requestsSent,
    };
  }

  // ---- explainability ---------------------------------------------------------------

  recordEvaluations(evaluations: readonly Evaluation[]): Promise<void> {
    return this.settleOccurrences(evaluations, []);
  }

  async listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]> {
    const list = await this.redis.lrange(this.keys.evaluations(triggerId), 0, limit - 1);
    return list.map((json) => JSON.parse(json) as Evaluation);
  }
}

/**
 * Counts the commands a client sends: one per request (a script call or a blocking
 * read counts once, whatever it does inside Redis; pushed pub/sub messages do not;
 * pipelined requests share network writes but still count one each).
 */
function countRequests(client: Redis, onRequest: () => void): Redis {
  const send = client.sendCommand.bind(client);
  // Every command passes here once, pipelined or not (again only when the offline
  // queue is replayed after a reconnection).
  client.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    onRequest();
    return send(...args);
  }) as Redis["sendCommand"];
  return client;
}
