import type { Evaluation } from "../domain/evaluation.js";
import type { StoredEvent } from "../domain/event.js";
import type {
  Assignment,
  AttemptRecord,
  Invocation,
  InvocationStatus,
  NewInvocation,
  TaskError,
} from "../domain/invocation.js";
import type { ExpiredMatch, JoinOutcome, JoinState, JoinStep } from "../domain/join.js";
import type { JsonValue } from "../domain/json.js";
import type { CronOccurrence, Occurrence } from "../domain/occurrence.js";
import type { Task } from "../domain/task.js";
import type { Trigger } from "../domain/trigger.js";
import type { ActivityBucket } from "./activity.js";

/**
 * Which status transitions are worth an occurrence (some trigger listens to them).
 * The engine owns the answer; the store asks it inside each transition.
 */
export interface StatusWatch {
  watches(taskId: string, status: InvocationStatus): boolean;
}

/**
 * Notifications a store sends to every engine on it (across replicas for shared
 * stores). A shared store may lose some (pub/sub keeps nothing for a disconnected
 * subscriber): registry changes carry the registry version they produced (see
 * registryVersion), and `resync` says notices may have been lost.
 */
export type StoreNotice =
  /** Invocations of this task became claimable. */
  | { type: "work"; taskId: string }
  /** An invocation changed status. */
  | { type: "invocation"; invocationId: string; status: InvocationStatus }
  /** A trigger was created, changed or deleted; `version` is the registry version this change produced. */
  | { type: "trigger"; triggerId: string; version: number }
  /** An app registered (tasks and declared triggers changed); `version` as for triggers. */
  | { type: "app"; appId: string; version: number }
  /** The notice channel was reconnected: notices sent meanwhile are lost; reload what they keep in step. */
  | { type: "resync" };

export interface AppRegistration {
  appId: string;
  tasks: Task[];
  /** The app's declared triggers; they replace the ones it declared before. */
  triggers: Trigger[];
}

/** A trigger firing: the invocation it creates and the identity that makes it once-only. */
export interface Firing {
  /** The trigger that fires: nothing is created if it was deleted or paused meanwhile. */
  triggerId: string;
  invocation: NewInvocation;
  /**
   * `${triggerId}|${occurrenceId}`: kept for the marker retention, it alone decides
   * that a firing is a repeat, even once retention dropped the invocation it created.
   */
  firingKey: string;
  /** Events whose record lists the invocation (provenance). */
  eventIds: string[];
}

/** Why a firing created nothing although its trigger matched. */
export type FireSkip = "trigger deleted" | "trigger paused";

/** What a firing did. */
export type FireResult =
  | { outcome: "fired"; invocation: Invocation; assignment?: Assignment }
  /** The firing key was known: `invocationKept` is false once retention dropped that invocation. */
  | { outcome: "deduplicated"; invocationId: string; invocationKept: boolean }
  | { outcome: "skipped"; reason: FireSkip };

/** What updateJoin did with one occurrence. */
export type JoinUpdate =
  | {
      /** "replayed": the occurrence was applied before; this is that first step's marker. */
      kind: "applied" | "replayed";
      outcome: JoinOutcome;
      /** Dropped without firing: by the step, and (when applied) by the trigger's cap. */
      expired: ExpiredMatch[];
    }
  /** The trigger was deleted or paused meanwhile: nothing was applied. */
  | { kind: "skipped"; reason: FireSkip };

/** The outcome of creating an invocation: `assignment` when it went straight to a worker. */
export interface Created {
  invocation: Invocation;
  created: boolean;
  assignment?: Assignment;
}

/**
 * What bounds a page: at most `limit` items, and (with `maxBytes`) no more bytes
 * than that, counted as the store counts an item (its JSON-valued fields as
 * stored, plus ITEM_OVERHEAD_BYTES; see paging.ts). A page always holds its first
 * item. The store reads no more than the page it returns (and one item), so a
 * listing's memory is bounded by `maxBytes`, not by `limit` times the item size.
 */
export interface PageLimits {
  limit: number;
  maxBytes?: number;
  /**
   * Opaque: the nextPageToken of an earlier page of the same listing, from this
   * store. The store refuses any other with INVALID_ARGUMENT naming pageToken.
   */
  pageToken?: string;
}

export interface InvocationQuery extends PageLimits {
  taskId?: string;
  status?: InvocationStatus;
  triggerId?: string;
}

export interface EventQuery extends PageLimits {
  code?: string;
  since?: number;
  until?: number;
}

/**
 * One page; `nextPageToken` when more items follow (a page cut short by its byte
 * budget has one too): it resumes right after the page's last item.
 */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * One connection (stream) of a worker. A worker keeps its id across reconnects, to
 * this replica or another; the session id names one connection, so that the store
 * gives work only to the worker's current connection and an old connection's
 * cleanup never releases what a newer one holds (see connectWorker).
 */
export interface WorkerRef {
  workerId: string;
  sessionId: string;
}

/** What a worker says of itself when it connects (see WorkStore.connectWorker). */
export interface WorkerProfile {
  appId: string;
  /** The tasks it runs. */
  taskIds: readonly string[];
  concurrency: number;
  /** Its SDK and version, e.g. "typescript/0.1.0". */
  sdk: string;
}

/** A worker whose lease runs, as WorkStore.liveWorkers lists it. */
export interface LiveWorker extends WorkerProfile {
  workerId: string;
  /** When its lease ends unless renewed (epoch ms). */
  leaseUntil: number;
  /** How many assignments it holds (in flight, and prefetched waiting for a slot). */
  held: number;
}

/** An assignment a worker holds, with what its deadlines are counted from. */
export interface HeldAssignment extends Assignment {
  /** When the worker was given it (epoch ms). */
  assignedAt: number;
  /** The worker's start was recorded (the invocation is RUNNING). */
  started: boolean;
}

/** Work to claim for the worker right after one of its attempts ended. */
export interface Refill {
  taskIds: readonly string[];
  max: number;
}

/** What else the step that ends an attempt does. */
export interface FinishOptions {
  /** Claim the worker's next work in the same step. */
  refill?: Refill;
  /**
   * When the attempt started, if that was not recorded yet: the invocation is moved
   * to RUNNING first, so a quick task's start and end cost one step.
   */
  startedAt?: number;
}

/** How an attempt ended, as the engine decided it (retry or final). */
export type AttemptOutcome =
  | { status: "SUCCESS"; result: JsonValue }
  | { status: "FAILED"; error: TaskError }
  | { status: "RETRY"; error: TaskError; retryAt: number };

/** A cron slot claim: move a condition's last slot from `expected` to `next`, logging `occurrences`. */
export interface CronAdvance {
  triggerId: string;
  conditionIndex: number;
  /** The stored last slot this replica saw; the claim fails if it moved. */
  expected: number | undefined;
  next: number;
  occurrences: CronOccurrence[];
}

/**
 * A cron slot claim that fires its trigger in the same atomic step (see
 * TriggerStateStore.fireCron): for a trigger whose firing needs no worker and no join.
 */
export interface CronFiringClaim {
  triggerId: string;
  conditionIndex: number;
  /** The stored last slot this replica saw; the claim fails if it moved. */
  expected: number | undefined;
  next: number;
  /**
   * One per slot that runs: its firing (invocation and firing key), the "fired"
   * record of it, and the worker to assign its invocation to at once if that
   * worker's connection is still current (else it is queued).
   */
  firings: Array<{ firing: Firing; record: Evaluation; assignTo?: WorkerRef }>;
}

/** What fireCron did with one claim: its outcome, and the invocations it created already assigned. */
export interface CronFired {
  outcome: CronFireOutcome;
  /** The assignments of firings created straight onto their assignTo worker. */
  assigned: Assignment[];
}

/**
 * What a CronFiringClaim did: "fired" (claimed, invocations queued, records kept),
 * "paused" (claimed, nothing fired: the trigger is paused), "lost" (another caller
 * claimed the slot, or the trigger is gone: nothing done).
 */
export type CronFireOutcome = "fired" | "paused" | "lost";

/** A replica as it last announced itself (see ReplicaStore.announceReplica). */
export interface ReplicaAnnouncement {
  replicaId: string;
  /** When it announced itself, by its clock (replicas' clocks must agree, as for worker leases). */
  seenAt: number;
  /**
   * Every slot up to this time of the cron conditions it owns was claimed (see
   * CronScheduler.claimedThrough); 0 before its first pass. The other replicas
   * take over a slot its owner has not reached a little after the slot.
   */
  cronClaimedThrough: number;
}

/**
 * What announcing a replica answers: the live replicas, and what the sweep checks
 * about the store's data, read in the same step.
 */
export interface ReplicaCheckIn {
  /** The replicas seen at or after `liveSince`, the caller included, by id. */
  replicas: ReplicaAnnouncement[];
  /**
   * Replicas last seen before `liveSince` and not forgotten yet: silent, taken for
   * dead. One live replica retires each (retireReplica), so that what it held is
   * handed out at once rather than after the redelivery delay (docs/design.md §2.5).
   */
  silent: string[];
  /** As registryVersion(): the sweep needs both, so they come in one call. */
  registryVersion: number;
  /**
   * The identity of the store's data set (see openDataSet); "" when there is none:
   * the data was lost (Redis restarted empty, or was flushed) and nobody opened a new one yet.
   */
  dataSet: string;
  /** How many apps are still awaited after a loss (see openDataSet). */
  awaitingApps: number;
  /** Invocations not yet final (as StoreStats.activeInvocations): what a loss would take with it. */
  activeInvocations: number;
}

/** A replica not seen for this long before `liveSince` is forgotten by the next announcement. */
export const FORGET_REPLICA_AFTER_MS = 60_000;

export interface StoreStats {
  activeInvocations: number;
  occurrenceBacklog: number;
  /** Requests this process sent to a networked store since it started (none for memory). */
  requests?: number;
}

/** A trigger evaluation waiting for a worker of the trigger's app (its functions run there). */
export interface DeferredEvaluation {
  ref: string;
  appId: string;
  triggerId: string;
  occurrence: Occurrence;
  /** How many times it was handed out, this time included (see LoggedOccurrence.deliveries). */
  deliveries: number;
}

/**
 * How long a store waits before handing out again an occurrence (or deferred
 * evaluation) whose evaluation failed, or one a crashed process held, unless it
 * is told otherwise (see docs/design.md §2).
 */
export const DEFAULT_RECLAIM_AFTER_MS = 30_000;

/** An occurrence handed to a replica; settle it once every trigger handled it. */
export interface LoggedOccurrence {
  occurrence: Occurrence;
  /** The store's own handle of the item (opaque to the engine). */
  ref: string;
  /**
   * How many times it was handed out, this time included: 1 the first time, more
   * when its evaluation failed (retryOccurrences) or its replica went away. The
   * engine gives up past a cap.
   */
  deliveries: number;
}

/**
 * Everything nenc persists, in the engine's language, as one object per role (each
 * role has one implementation per store), with the notices every engine on the
 * store hears. Every method that changes more than one thing does it atomically
 * (the Redis store: one Lua script), so a crash at any point leaves a state that
 * the engine can resume from.
 *
 * Two implementations pass the same contract suite: memory (embedded default) and Redis.
 */
export interface Store {
  readonly registry: RegistryStore;
  readonly work: WorkStore;
  readonly log: OccurrenceLog;
  readonly deferred: DeferredEvaluations;
  readonly triggerState: TriggerStateStore;
  readonly replicas: ReplicaStore;
  readonly history: HistoryStore;
  /** Names the store in logs ("memory", or "redis" with its address and key prefix). */
  readonly description: string;

  /**
   * Subscribes to notices; returns the unsubscribe function. Invocation notices of
   * non-final statuses may only come while followStatusChanges(true) is in force,
   * those of final statuses while followFinalStatuses(true) is.
   */
  subscribe(listener: (notice: StoreNotice) => void): () => void;
  /**
   * Asks for (or no longer needs) notices of every status change; resolves once in
   * force. Calls nest: each `true` is matched by one `false`, even when it rejected.
   */
  followStatusChanges(follow: boolean): Promise<void>;
  /** Asks for (or no longer needs) notices of final statuses, as followStatusChanges. */
  followFinalStatuses(follow: boolean): Promise<void>;
  /**
   * Adds the status transitions to log as occurrences (a transition is logged when
   * any added watch watches it); returns the function that removes it. Without
   * one, no transition is logged.
   */
  watchStatuses(watch: StatusWatch): () => void;
  /** Invocations not yet final, and occurrences logged but not yet settled. */
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** Apps, tasks and triggers as registered; the registry's version and the data set's identity. */
export interface RegistryStore {
  /**
   * A number every change of tasks, triggers or apps moves by one (each such change
   * sends one notice carrying the number it produced). An engine that sees it move
   * past the notices it got missed one, and reloads: one cheap read per sweep.
   */
  registryVersion(): Promise<number>;
  /**
   * The identity of the store's data set: a random id created with it (the first
   * call on an empty store creates it) and kept as long as the data is. An engine
   * that finds it gone or changed (ReplicaCheckIn.dataSet) knows the data was lost,
   * as opposed to a connection that broke and came back.
   *
   * `awaitApps` (after a loss): the apps whose workers this replica asks to register
   * again. Each is awaited until it registers (registerApp) or for `awaitMs` at
   * most, whichever comes first; ReplicaCheckIn.awaitingApps counts those left.
   */
  openDataSet(awaitApps: readonly string[], awaitMs: number): Promise<string>;
  /** Upserts the tasks and replaces the app's declared triggers (an awaited app is awaited no more); returns removed trigger ids. */
  registerApp(registration: AppRegistration): Promise<{ removedTriggerIds: string[] }>;
  getTask(taskId: string): Promise<Task | undefined>;
  listTasks(): Promise<Task[]>;
  /** Stores a runtime trigger unless one with its id exists (then returns that one). */
  createTrigger(trigger: Trigger): Promise<{ trigger: Trigger; created: boolean }>;
  getTrigger(triggerId: string): Promise<Trigger | undefined>;
  listTriggers(): Promise<Trigger[]>;
  setTriggerPaused(triggerId: string, paused: boolean): Promise<Trigger | undefined>;
  /** Deletes the trigger with its join state, cron state and history. */
  deleteTrigger(triggerId: string): Promise<boolean>;
}

/** Invocations and the work on them: creation, firing, claims, attempts, worker leases, retries. */
export interface WorkStore {
  /**
   * Creates an invocation (REGISTERED, its occurrence logged if watched) and queues
   * it, or, with `assignTo`, assigns it to that worker at once (PENDING) in the same
   * atomic step, saving the queue round trip when a worker has free credit (unless
   * that connection is no longer the worker's current one: then it is queued).
   */
  createInvocation(
    invocation: NewInvocation,
    options?: { idempotencyKey?: string; assignTo?: WorkerRef },
  ): Promise<Created>;
  /**
   * Like createInvocation for a triggered invocation, atomically with its firing key
   * and with its trigger's state: nothing is created when the key exists (a repeat,
   * even if retention dropped the first invocation since) or when the trigger was
   * deleted or paused meanwhile (each replica's trigger index may lag).
   */
  fire(firing: Firing, assignTo?: WorkerRef): Promise<FireResult>;
  getInvocation(invocationId: string): Promise<Invocation | undefined>;
  /** The invocation's ended attempts, oldest first (kept as long as the invocation). */
  attempts(invocationId: string): Promise<AttemptRecord[]>;
  /** Newest first. */
  listInvocations(query: InvocationQuery): Promise<Page<Invocation>>;
  /**
   * Takes up to `max` queued invocations of `taskIds` (oldest first, due retries
   * included) and assigns them to the worker: they become PENDING. Nothing when
   * `worker` is not the worker's current connection (a newer one took over).
   */
  claimWork(worker: WorkerRef, taskIds: readonly string[], max: number, now: number): Promise<Assignment[]>;
  /**
   * The assignment if it is still current (the invocation is still held under it)
   * and `workerId` holds it: a worker learns nothing of another's assignments.
   */
  getAssignment(assignmentId: string, workerId: string): Promise<HeldAssignment | undefined>;
  /** PENDING → RUNNING, if the assignment is still current and `workerId` holds it. */
  markStarted(assignmentId: string, workerId: string, now: number): Promise<boolean>;
  /**
   * Ends an attempt, if the assignment is still current and `worker` holds it
   * (`applied` false: a stale or foreign result, nothing changed), then, with
   * `options.refill`, claims up to `refill.max` queued invocations for `worker` as
   * claimWork does: one step for the result and the next work. Any connection of
   * the holding worker may report (a worker that reconnected reports on its new one).
   */
  finishAttempt(
    assignmentId: string,
    worker: WorkerRef,
    outcome: AttemptOutcome,
    now: number,
    options?: FinishOptions,
  ): Promise<{ applied: boolean; claimed: Assignment[] }>;
  /**
   * Makes `worker` the worker's current connection, in one step: its lease runs
   * until `until`; of the assignments the worker holds, those in `held` (it still
   * runs them, from an earlier connection) stay assigned, and the rest go back to
   * their queues (they were sent to a connection that is gone). From then on only
   * this connection gets work for the worker, and an older connection's
   * releaseWorker changes nothing. Returns the released invocations.
   */
  connectWorker(
    worker: WorkerRef,
    held: readonly string[],
    until: number,
    now: number,
    profile?: WorkerProfile,
  ): Promise<Invocation[]>;
  /**
   * The workers whose lease runs past `now`, connected to any replica, with the
   * profile their connectWorker gave (workers connected without one are absent):
   * what tells a caller that no one would run its invocation, and what the
   * metrics and the dashboard show.
   */
  liveWorkers(now: number): Promise<LiveWorker[]>;
  /**
   * How many invocations wait in each task's queue for a worker (retries not yet
   * due are not queued); tasks whose queue is empty may be absent.
   */
  queueDepths(): Promise<Map<string, number>>;
  /**
   * Final statuses per bucket from the bucket holding `since` to the one holding
   * `until` (at most ACTIVITY_KEPT_MS back), oldest first, every bucket listed (see
   * activity.ts): the deployment's throughput over time, whichever replica ended them.
   */
  activity(since: number, until: number): Promise<ActivityBucket[]>;
  /**
   * The connection ended: puts the worker's assignments back in their queues
   * (REGISTERED) and forgets its lease, if `worker` is still its current connection
   * (otherwise a newer connection owns them: nothing changes). With `only`, just
   * those assignments (and the lease stays). Each released assignment counts as a
   * loss (Assignment.lost) except those in `waiting`: held for a slot by a worker that
   * prefetches, never started. Returns the released invocations.
   */
  releaseWorker(
    worker: WorkerRef,
    now: number,
    only?: readonly string[],
    waiting?: readonly string[],
  ): Promise<Invocation[]>;
  /**
   * Marks the worker alive until `until`, if `worker` is its current connection (or
   * it has none, its lease having ended: `worker` becomes current again). False
   * when a newer connection of the worker took over.
   */
  renewWorkerLease(worker: WorkerRef, until: number): Promise<boolean>;
  /** Releases the assignments of every worker whose lease ended before `now` (and forgets its connection). */
  releaseExpiredWorkers(now: number): Promise<Invocation[]>;
  /** Announces work for retries that came due (claimWork takes them). */
  announceDueRetries(now: number): Promise<void>;
}

/**
 * The occurrences to evaluate. One is handed to one replica at a time and stays
 * with it until that replica settles it, returns it (retryOccurrences), or goes
 * away: retired, forgotten, or its process ended without settling it (then after
 * the store's redelivery delay). See docs/design.md §2.
 */
export interface OccurrenceLog {
  /**
   * Hands `replicaId` up to `max` occurrences that no replica holds; waits up to
   * `waitMs` when there are none.
   */
  readOccurrences(
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<LoggedOccurrence[]>;
  /**
   * Records the evaluations of occurrences, then settles the occurrences (done for
   * good), in one step (a crash before it hands them out again; exactly-once
   * firing absorbs the repeat).
   */
  settleOccurrences(evaluations: readonly Evaluation[], items: readonly LoggedOccurrence[]): Promise<void>;
  /**
   * Their evaluation failed: the replica no longer holds them, and they are handed
   * out again after the store's redelivery delay (a new delivery).
   */
  retryOccurrences(items: readonly LoggedOccurrence[]): Promise<void>;
  /** Logs occurrences again (event replay). */
  appendOccurrences(occurrences: readonly Occurrence[]): Promise<void>;
  /**
   * The occurrences that steps taken through this store instance log may be handed
   * straight to `replicaId`, with no read (a store may do so for some steps:
   * docs/design.md §2.3): `listener` gets them, held by that replica as if read.
   * One listener at a time; returns the function that removes it.
   */
  onHandedOut(replicaId: string, listener: (items: LoggedOccurrence[]) => void): () => void;
}

/**
 * Evaluations kept for a replica that hosts a worker of their app. Handed out as
 * the occurrence log hands out occurrences (one replica at a time, until settled,
 * returned, or its replica went away).
 */
export interface DeferredEvaluations {
  /** Keeps an evaluation for a replica that hosts workers of `appId`. */
  deferEvaluation(appId: string, triggerId: string, occurrence: Occurrence): Promise<void>;
  /** Hands `replicaId` deferred evaluations of these apps that no replica holds; waits up to `waitMs` for one. */
  readDeferred(
    appIds: readonly string[],
    replicaId: string,
    max: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeferredEvaluation[]>;
  /**
   * Records the evaluations of a deferred item, then settles it, in one step
   * (as settleOccurrences does for the log: a crash between would repeat the records).
   */
  settleDeferred(item: DeferredEvaluation, evaluations: readonly Evaluation[]): Promise<void>;
  /** As retryOccurrences, for deferred evaluations. */
  retryDeferred(items: readonly DeferredEvaluation[]): Promise<void>;
}

/** What triggers remember between occurrences: AND join state and cron slots. */
export interface TriggerStateStore {
  /**
   * Applies `step` to the join state of (trigger, partition) atomically, once per
   * occurrence, and only while the trigger exists and is not paused. When
   * `occurrenceId` was applied before, returns that first step's marker (replayed)
   * without calling `step`; markers keep the outcome and what expired, not the state.
   * A trigger keeps at most `maxEntries` waiting entries over all its partitions:
   * beyond it the oldest (by first occurrence) are dropped, reported as expired
   * with reason "cap".
   */
  updateJoin(
    triggerId: string,
    partition: string,
    occurrenceId: string,
    step: (state: JoinState) => JoinStep,
    maxEntries: number,
  ): Promise<JoinUpdate>;
  /** Every partition's waiting state of a trigger. */
  listJoinStates(triggerId: string): Promise<Array<{ partition: string; state: JoinState }>>;

  // ---- cron -------------------------------------------------------------------------

  /** The stored last slot of cron conditions, by key `${triggerId}:${conditionIndex}`. */
  getCronSlots(conditionKeys: readonly string[]): Promise<Map<string, number>>;
  /** Applies each claim atomically; true where this caller won the slot. */
  advanceCron(advances: readonly CronAdvance[]): Promise<boolean[]>;
  /**
   * Applies each claim atomically as advanceCron does, but instead of logging the
   * slots' occurrences fires them: each firing creates and queues its invocation
   * (unless its firing key is known, as for WorkStore.fire) and prepends its record
   * to the trigger's history. A paused trigger's slots are claimed and fire nothing.
   * A firing with assignTo is created PENDING on that worker (see WorkStore.fire).
   */
  fireCron(claims: readonly CronFiringClaim[]): Promise<CronFired[]>;
}

/** The live replicas: check-ins and retirements. */
export interface ReplicaStore {
  /**
   * Records that the replica is alive (a newer announcement of it is kept, so a
   * re-sent older one moves nothing back), and answers the replicas seen at or
   * after `liveSince` with the registry version, the data set's identity and the
   * number of apps awaited (see openDataSet). Replicas not seen for
   * FORGET_REPLICA_AFTER_MS before `liveSince` are forgotten. One call per sweep.
   */
  announceReplica(announcement: ReplicaAnnouncement, liveSince: number): Promise<ReplicaCheckIn>;
  /**
   * Forgets a replica at once (a graceful stop, or one found dead): the others
   * share out its cron conditions at their next sweep, and what it still held of
   * the occurrence log and the deferred evaluations is handed out again at once.
   * A forgotten replica (not seen for FORGET_REPLICA_AFTER_MS) is retired the same way.
   */
  retireReplica(replicaId: string): Promise<void>;
}

/** Custom events and the evaluations of triggers (why they did or didn't fire). */
export interface HistoryStore {
  /** Stores the event and logs its occurrence; with a known idempotency key, returns the first event. */
  appendEvent(event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }>;
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  /** Oldest first. */
  listEvents(query: EventQuery): Promise<Page<StoredEvent>>;

  recordEvaluations(evaluations: readonly Evaluation[]): Promise<void>;
  /** Newest first. */
  listEvaluations(triggerId: string, limit: number): Promise<Evaluation[]>;
}
